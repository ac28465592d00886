import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InputError } from "@mtl/spec";
import { describe, expect, it } from "vitest";
import { programsOfFile, programsOfFlags } from "./programs.ts";

const dir = mkdtempSync(join(tmpdir(), "mtl-programs-"));
const file = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};

describe("a worker's programs", () => {
  it("--program NAME=command splits the command as a shell would (quotes kept together)", () => {
    const p = programsOfFlags(['torch=python3 /opt/lab/train.py --tag "two words"', "sk=python3 -u fit.py"]);
    expect(p.torch?.command).toEqual(["python3", "/opt/lab/train.py", "--tag", "two words"]);
    expect(p.sk?.command).toEqual(["python3", "-u", "fit.py"]);
  });

  it("refuses what a tired user types, naming the flag", () => {
    const refused = (flags: string[]) => {
      try {
        programsOfFlags(flags);
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        return (e as Error).message;
      }
      throw new Error(`accepted ${flags.join(" ")}`);
    };
    expect(refused(["torch"])).toMatch(/^--program: expected NAME="command and arguments", got "torch"/);
    expect(refused(["my.prog=python3 x.py"])).toMatch(/^--program: "my.prog": expected a program name/);
    expect(refused(["t=pyhton3 x.py"])).toMatch(/^--program: program "t": pyhton3 is not a command on PATH/);
    expect(refused(["t=./nope.sh"])).toMatch(/is not an executable file/);
    expect(refused(["t=python3 a.py", "t=python3 b.py"])).toMatch(/"t" is given twice/);
    expect(refused(["t="])).toMatch(/empty command/);
  });

  it("a programs file: commands as strings or argv, run in the file's folder", () => {
    const path = file("programs.json", JSON.stringify({ a: "python3 train.py", b: ["python3", "b.py"] }));
    const p = programsOfFile(path);
    expect(p.a).toEqual({ command: ["python3", "train.py"], cwd: dir });
    expect(p.b).toEqual({ command: ["python3", "b.py"], cwd: dir });
    expect(() => programsOfFile(file("bad.json", "{ a: "))).toThrow(/not JSON/);
    expect(() => programsOfFile(file("list.json", "[]"))).toThrow(/expected an object/);
    expect(() => programsOfFile(file("num.json", '{"a": 3}'))).toThrow(/"a": expected a command string/);
    expect(() => programsOfFile(join(dir, "missing.json"))).toThrow(/no such file/);
  });
});

describe("commands are never run by a shell", () => {
  it("refuses shell operators and keeps $VARS as typed", () => {
    expect(() => programsOfFlags(["t=python3 a.py && rm -rf x"])).toThrow(/"&&" needs a shell/);
    expect(() => programsOfFlags(["t=python3 a.py > out.log"])).toThrow(/">" needs a shell/);
    expect(programsOfFlags(["t=python3 $HOME/a.py"]).t?.command).toEqual(["python3", "$HOME/a.py"]);
  });
});
