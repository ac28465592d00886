/**
 * The Python reference of the benches (`/usr/bin/python3`, Debian's torch and optuna), run with
 * the environment it would normally have.
 */

export const PYTHON = "/usr/bin/python3";

/**
 * This process's environment without the BLAS/OpenMP overrides this machine sets
 * (`OPENBLAS_CORETYPE`, `OPENBLAS_L2_SIZE`, any `OMP_*`/`MKL_*`): what PyTorch sees on a
 * researcher's machine. Only the Python subprocess gets it; tests keep the machine's settings.
 */
export function pythonEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      (e): e is [string, string] => e[1] !== undefined && !/^(OPENBLAS|OMP|MKL)_/.test(e[0]),
    ),
  );
}

/**
 * Python: `blas_info()` names the BLAS torch runs its products on: torch's build setting
 * (BLAS_INFO), the library actually loaded (Debian's "generic" BLAS is an alternative, usually
 * OpenBLAS) and, for OpenBLAS, the core it chose and its own threads (torch.set_num_threads does
 * not limit a generic BLAS's). Call after a product so the library is loaded.
 */
export const BLAS_INFO_PY = `
def blas_info():
    import ctypes, os, re, torch
    (torch.ones(8, 8) @ torch.ones(8, 8)).sum()
    built = re.search(r"BLAS_INFO=([^,]+)", torch.__config__.show())
    libs = sorted({os.path.realpath(l.split()[-1]) for l in open("/proc/self/maps")
                   if len(l.split()) > 5 and re.match(r"lib.*blas", os.path.basename(l.split()[-1]))})
    core = ""
    for lib in libs:
        try:
            blas = ctypes.CDLL(lib)
            blas.openblas_get_corename.restype = ctypes.c_char_p
            core = f", core {blas.openblas_get_corename().decode()}, {blas.openblas_get_num_threads()} OpenBLAS thread(s)"
            break
        except (OSError, AttributeError):
            pass
    names = ", ".join(os.path.basename(l) for l in libs) or "none loaded"
    return f"torch BLAS_INFO={built.group(1) if built else '?'}: {names}{core}, {torch.get_num_threads()} torch thread(s)"
`;
