"""``POST /run_code`` with SandboxFusion's own client (the ``sandbox-fusion`` package): Python and
C++, a timeout, a compile error, files in and out, an unknown language, a hostile program."""

from __future__ import annotations

import base64
import os
import textwrap

import httpx
import pytest
from sandbox_fusion import RunCodeRequest, RunStatus, run_code
from server_test_support import TOKEN, alive


def endpoint(server) -> str:
    # SandboxFusion's client takes an endpoint URL only: the token rides as the Basic password
    return f"http://sf:{TOKEN}@127.0.0.1:{server.port}"


def run(server, **request):
    return run_code(RunCodeRequest(**request), endpoint=endpoint(server), max_attempts=1, client_timeout=60)


def test_python_with_stdin_files_and_fetched_files(main_server):
    code = textwrap.dedent(
        """
        import sys
        name = sys.stdin.read().strip()
        data = open("data/in.txt").read()
        open("out.txt", "w").write(data.upper())
        print(f"hello {name}")
        """
    )
    result = run(
        main_server,
        code=code,
        language="python",
        stdin="world",
        files={"data/in.txt": base64.b64encode(b"payload").decode()},
        fetch_files=["out.txt", "missing.txt"],
    )
    assert result.status == RunStatus.Success, result
    assert result.run_result.stdout == "hello world\n" and result.run_result.return_code == 0
    assert result.compile_result is None
    assert result.run_result.execution_time is not None and result.run_result.execution_time < 5
    assert base64.b64decode(result.files["out.txt"]) == b"PAYLOAD"
    assert "missing.txt" not in result.files


def test_python_error_is_failed_with_its_return_code(main_server):
    result = run(main_server, code="import sys\nprint('partial')\nsys.exit(3)", language="python")
    assert result.status == RunStatus.Failed
    assert result.run_result.status == "Finished" and result.run_result.return_code == 3
    assert result.run_result.stdout == "partial\n"
    raised = run(main_server, code="raise ValueError('bad input')", language="python")
    assert raised.run_result.return_code == 1 and "ValueError: bad input" in raised.run_result.stderr


def test_cpp_compiles_and_runs(main_server):
    code = "#include <iostream>\nint main(){long a,b; std::cin>>a>>b; std::cout<<a*b<<std::endl; return 0;}"
    result = run(main_server, code=code, language="cpp", stdin="6 7")
    assert result.status == RunStatus.Success, result
    assert result.compile_result.status == "Finished" and result.compile_result.return_code == 0
    assert result.run_result.stdout == "42\n"


def test_cpp_compile_error(main_server):
    result = run(main_server, code="int main() { return missing_name; }", language="cpp")
    assert result.status == RunStatus.Failed
    assert result.compile_result.return_code != 0 and "missing_name" in result.compile_result.stderr
    assert result.run_result is None


def test_timeout_is_time_limit_exceeded(main_server):
    result = run(main_server, code="while True:\n    pass", language="python", run_timeout=1)
    assert result.status == RunStatus.Failed
    assert result.run_result.status == "TimeLimitExceeded" and result.run_result.return_code is None
    assert 0.9 <= result.run_result.execution_time < 3
    # a run_timeout over the server's cap (5 s here) is lowered, and the answer says so
    r = httpx.post(
        main_server.url + "/run_code",
        json={"code": "print(1)", "language": "python", "run_timeout": 3600},
        headers=main_server.headers,
        timeout=30,
    )
    assert r.json()["status"] == "Success" and "run_timeout lowered" in r.json()["message"]


def verl_payload(code: str, memory_limit_mb: int, stdin: str = "") -> dict:
    """The body veRL's sandbox_fusion utils post (the sandbox-fusion client 0.3.7 has no memory field)."""
    return {
        "compile_timeout": 10,
        "run_timeout": 10,
        "code": code,
        "stdin": stdin,
        "memory_limit_MB": memory_limit_mb,
        "language": "python",
        "files": {},
        "fetch_files": [],
    }


def test_memory_limit_is_applied(main_server):
    code = "x = bytearray(600 * 1024 * 1024)\nprint('allocated')"
    for limit, allowed in ((256, False), (1024, True)):
        r = httpx.post(
            main_server.url + "/run_code",
            json=verl_payload(code, limit),
            headers=main_server.headers,
            timeout=60,
        )
        body = r.json()
        assert r.status_code == 200 and (body["status"] == "Success") is allowed, (limit, body)
        assert ("allocated" in body["run_result"]["stdout"]) is allowed


def test_unknown_language_is_a_sandbox_error(main_server):
    with pytest.raises(Exception, match="Sandbox responded with error: language 'java' is not supported"):
        run(main_server, code="class A {}", language="java")
    r = httpx.post(
        main_server.url + "/run_code",
        json={"code": "x", "language": "brainfudge"},
        headers=main_server.headers,
        timeout=30,
    )
    assert r.status_code == 200 and r.json()["status"] == "SandboxError"
    assert "supported: python, cpp" in r.json()["message"]


def test_hostile_program_is_contained(main_server, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("host secret")
    secret.chmod(0o644)
    code = textwrap.dedent(
        f"""
        import os, socket
        def attempt(name, action):
            try:
                action()
                print("ESCAPED", name)
            except Exception as exc:
                print("blocked", name, type(exc).__name__)
        attempt("network", lambda: socket.create_connection(("127.0.0.1", {main_server.port}), timeout=1))
        attempt("host file", lambda: open({str(secret)!r}).read())
        attempt("kill server", lambda: os.kill({main_server.proc.pid}, 9))
        attempt("write system", lambda: open("/usr/evil", "w"))
        seen = ""
        for entry in os.listdir("/proc"):
            for part in ("cmdline", "environ"):
                try:
                    seen += open(f"/proc/{{entry}}/{{part}}", errors="replace").read()
                except OSError:
                    pass
        print("ESCAPED token" if "{TOKEN}" in seen else "blocked token")
        pids = []
        def bomb():
            while True:
                pid = os.fork()
                if pid == 0:
                    import time; time.sleep(30); os._exit(0)
                pids.append(pid)
        attempt("fork bomb", bomb)
        print("forked", len(pids))
        """
    )
    result = run(main_server, code=code, language="python", run_timeout=5)
    out = result.run_result.stdout
    assert "ESCAPED" not in out, out
    for name in ("network", "host file", "kill server", "write system", "fork bomb", "token"):
        assert f"blocked {name}" in out, out
    assert int(out.split("forked ")[1].split()[0]) < 20  # the process cap held
    assert secret.read_text() == "host secret"
    assert alive(main_server.proc.pid)
    assert httpx.get(main_server.url + "/health", timeout=10).json()["status"] == "ok"
    # nothing the program forked outlives it: the sandbox answers the next program at once
    assert run(main_server, code="print('next')", language="python").run_result.stdout == "next\n"
    assert not os.path.exists("/usr/evil")
