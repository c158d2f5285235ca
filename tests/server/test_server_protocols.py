"""The reward protocols against a real server: OpenRLHF's own HTTP client, slime's request as its
client sends it, /v1/score against in-process scoring of the same rows, and what malformed or
unauthorised requests get."""

from __future__ import annotations

import asyncio
import base64

import aiohttp
import httpx
import pytest
from server_test_support import TOKEN

from verifiers_core.suite import SuiteSpec

PROMPT = "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n"
RIGHT = "<think>2+2=4</think> The answer is \\boxed{4}"
WRONG = "<think>2+2=5</think> \\boxed{5}"
CUT = "<think>2+2 is"  # cut off in its reasoning: no answer


def auth_url(server, path: str) -> str:
    """A URL with the token as Basic password: how clients that take only a URL carry it."""
    return f"http://any:{TOKEN}@127.0.0.1:{server.port}{path}"


def openrlhf_post(url: str, queries: list[str], prompts: list[str], labels: list) -> list[dict]:
    """OpenRLHF 0.11's HTTP reward client (SingleTurnAgentExecutor._fetch_rewards_via_http)."""
    try:
        from openrlhf.utils.agent import SingleTurnAgentExecutor
    except ImportError:  # openrlhf did not install here: the same request, as 0.11.2 sends it
        return asyncio.run(_openrlhf_request(url, {"query": queries, "prompts": prompts, "labels": labels}))
    executor = SingleTurnAgentExecutor(url)
    return asyncio.run(executor._fetch_rewards_via_http(queries, prompts, labels))


async def _openrlhf_request(url: str, payload: dict) -> list[dict]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=180)) as session:
        async with session.post(url, json=payload) as response:
            response.raise_for_status()
            return [await response.json()]


def test_openrlhf_client_scores_each_query_minus_its_prompt(main_server):
    queries = [PROMPT + RIGHT + "<|im_end|>", PROMPT + WRONG + "<|im_end|>", PROMPT + CUT]
    answers = openrlhf_post(auth_url(main_server, "/get_reward"), queries, [PROMPT] * 3, ["4", "4", "4"])
    assert len(answers) == 1
    answer = answers[0]
    # accuracy (weight 1) and format (weight 0.5); the end marker is not part of the response
    assert answer["rewards"] == [1.5, 0.5, 0.0]
    # scores: the totals in [0, 1] (divided by the sum of the weights), as the file-mode adapter gives
    assert answer["scores"] == pytest.approx([1.0, 0.5 / 1.5, 0.0])
    logs = answer["extra_logs"]
    assert logs["accuracy"] == [1.0, 0.0, 0.0] and logs["format"] == [1.0, 1.0, 0.0]
    assert logs["unscored"] == [0.0, 0.0, 0.0] and logs["accuracy/errors"] == [0.0, 0.0, 0.0]
    assert logs["accuracy/no_answer"] == [0.0, 0.0, 1.0] and logs["prompt_mismatch"] == [0.0, 0.0, 0.0]


def test_openrlhf_http_answers_as_the_file_mode_adapter(main_server, monkeypatch):
    """/get_reward and the --reward.remote_url file give the same answer on the same queries."""
    from verifiers_core.integrations.openrlhf import reward_func

    queries = [
        PROMPT + RIGHT + "<|im_end|>",
        PROMPT + WRONG + "<|im_end|>",
        PROMPT + CUT,
        "unrelated " + RIGHT,
    ]
    prompts, labels = [PROMPT] * 4, ["4", "4", "4", {"solution": "4"}]
    http = openrlhf_post(auth_url(main_server, "/get_reward"), queries, prompts, labels)[0]
    monkeypatch.setenv("VERIFIERS_CORE_REWARDS", "accuracy,format")
    monkeypatch.setenv("VERIFIERS_CORE_REWARD_WEIGHTS", "1,0.5")
    local = reward_func(queries, prompts, labels, reward_args="accuracy.workers=1")
    assert http["rewards"] == local["rewards"].tolist()
    assert http["scores"] == pytest.approx(local["scores"].tolist())
    assert set(http["extra_logs"]) == set(local["extra_logs"])
    for key, values in local["extra_logs"].items():
        assert http["extra_logs"][key] == values.tolist(), key


def test_openrlhf_single_sample_requests_as_rollouts_send_them(main_server):
    """OpenRLHF 0.11 posts one sample per request, many at once; each gets its own reward."""

    async def many() -> list:
        from openrlhf.utils.agent import SingleTurnAgentExecutor

        executor = SingleTurnAgentExecutor(auth_url(main_server, "/get_reward"))
        calls = [
            executor._fetch_rewards_via_http(
                [PROMPT + (RIGHT if i % 2 else WRONG)], [PROMPT], [str(4 if i % 3 else 5)]
            )
            for i in range(12)
        ]
        return await asyncio.gather(*calls)

    pytest.importorskip("openrlhf.utils.agent", reason="openrlhf is installed by make install-dev")
    results = asyncio.run(many())
    for i, (answer,) in enumerate(results):
        right = (i % 2 == 1) == (i % 3 != 0)  # the completion says 4 iff odd; the gold is 4 iff i % 3
        assert answer["extra_logs"]["accuracy"] == [1.0 if right else 0.0], i


def test_openrlhf_prompt_cut_from_the_left_and_prompt_not_found(main_server):
    tail = PROMPT[20:]  # OpenRLHF cut the prompt to fit max_len: the query starts with its tail
    answer = openrlhf_post(auth_url(main_server, "/get_reward"), [tail + RIGHT], [PROMPT], ["4"])[0]
    assert answer["rewards"] == [1.5]
    # a query without its prompt is scored whole (the prompt has no answer in it here)
    answer = openrlhf_post(auth_url(main_server, "/get_reward"), [RIGHT], ["unrelated prompt"], ["4"])[0]
    assert answer["rewards"] == [1.5]


def test_openrlhf_unscored_row_is_visible(main_server):
    answer = openrlhf_post(auth_url(main_server, "/get_reward"), [PROMPT + RIGHT], [PROMPT], [""])[0]
    # accuracy has no value (an unusable gold): the total is format's alone, and nothing is hidden
    assert answer["extra_logs"]["accuracy"] == [0.0]
    assert answer["rewards"] == [0.5]
    assert answer["extra_logs"]["unscored"] == [0.0]


async def _slime_remote_rm(url: str, payload) -> object:
    """slime's remote_rm: aiohttp, raise_for_status, the JSON answer is the reward."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
        async with session.post(url, json=payload) as resp:
            resp.raise_for_status()
            return await resp.json()


def test_slime_remote_rm_reads_the_reward(main_server):
    url = auth_url(main_server, "/slime/reward")
    sample = {"prompt": "What is 2+2?", "response": RIGHT, "label": "4"}
    assert asyncio.run(_slime_remote_rm(url, sample)) == 1.5
    detail = asyncio.run(_slime_remote_rm(url + "?detail=true", {**sample, "response": WRONG}))
    assert detail["score"] == 0.5 and detail["accuracy"] == 0.0 and detail["format"] == 1.0
    assert detail["accuracy/timeouts"] == 0.0  # the slime adapter's dict: the same keys every time
    # a prompt given as chat messages, and a group of samples in one request
    group = [
        {"prompt": [{"role": "user", "content": "2+2?"}], "response": RIGHT, "label": "4"},
        {"prompt": "2+2?", "response": CUT, "label": "4"},
    ]
    assert asyncio.run(_slime_remote_rm(url, group)) == [1.5, 0.0]


def _rows() -> list[dict]:
    return [
        {"prompt": "2+2?", "completion": RIGHT, "solution": "4"},
        {"prompt": "2+2?", "completion": WRONG, "solution": "4"},
        {"prompt": "2+2?", "completion": CUT, "solution": "4"},
        {
            "prompt": [{"role": "user", "content": "1/2?"}],
            "completion": [{"role": "assistant", "content": "<think>.</think> \\boxed{0.5}"}],
            "solution": "\\frac{1}{2}",
        },
        {"prompt": "?", "completion": RIGHT, "solution": ""},  # unusable gold: accuracy None
    ]


def test_v1_score_matches_in_process_scoring(main_server):
    rows = _rows()
    r = httpx.post(
        main_server.url + "/v1/score", json={"rows": rows}, headers=main_server.headers, timeout=60
    )
    assert r.status_code == 200, r.text
    body = r.json()
    expected = (
        SuiteSpec.from_options(rewards="accuracy,format", reward_weights="1,0.5").build().score_rows(rows)
    )
    assert body["rewards"] == ["accuracy", "format"] and body["weights"] == [1.0, 0.5]
    assert [row["total"] for row in body["rows"]] == [row.total for row in expected.rows]
    assert [row["rewards"] for row in body["rows"]] == [row.rewards for row in expected.rows]
    assert [row["counts"] for row in body["rows"]] == [row.counts for row in expected.rows]
    summary = body["summary"]
    assert summary["rows"] == 5
    assert summary["nones"] == {"accuracy": 1, "format": 0}
    assert summary["timeouts"] == {"accuracy": 0, "format": 0} and summary["errors"] == {
        "accuracy": 0,
        "format": 0,
    }
    assert summary["counts"]["accuracy/no_answer"] == 1 and summary["counts"]["accuracy/unusable_golds"] == 1


@pytest.mark.parametrize(
    ("path", "body", "loc"),
    [
        ("/v1/score", {"rows": [{"completion": 4, "solution": "4"}]}, ["body", "rows", 0, "completion"]),
        ("/v1/score", {"rows": [{"solution": "4"}]}, ["body", "rows", 0, "completion"]),
        ("/v1/score", {"rows": [{"completion": "4"}]}, ["body", "rows", 0, "solution"]),
        (
            "/v1/score",
            {"rows": [{"completion": "4", "solution": "4", "prompt": 7}]},
            ["body", "rows", 0, "prompt"],
        ),
        ("/v1/score", {"rowz": []}, ["body", "rows"]),
        ("/v1/score", {"rows": "nope"}, ["body", "rows"]),
        ("/get_reward", {"query": ["a", "b"], "prompts": ["a"], "labels": ["1", "2"]}, ["body", "prompts"]),
        ("/get_reward", {"query": "a", "prompts": ["a"]}, ["body", "query"]),
        ("/get_reward", {"prompts": ["a"]}, ["body", "query"]),
        ("/slime/reward", {"prompt": "p", "label": "4"}, None),
        ("/run_code", {"language": "python"}, ["body", "code"]),
        ("/run_code", {"code": "x", "language": "python", "run_timeout": -1}, ["body", "run_timeout"]),
        ("/run_code", {"code": "x", "language": "python", "memory_limit_MB": 0}, ["body", "memory_limit_MB"]),
        (
            "/run_code",
            {"code": "x", "language": "python", "fetch_files": ["/etc/passwd"]},
            ["body", "fetch_files", 0],
        ),
        (
            "/run_code",
            {"code": "x", "language": "python", "files": {"a": "not base64!"}},
            ["body", "files", "a"],
        ),
    ],
)
def test_malformed_requests_get_422_naming_the_field(main_server, path, body, loc):
    r = httpx.post(main_server.url + path, json=body, headers=main_server.headers, timeout=30)
    assert r.status_code == 422, r.text
    locs = [error["loc"] for error in r.json()["detail"]]
    if loc is not None:
        assert any(found[: len(loc)] == loc for found in locs), locs
    else:  # slime: 'response' is missing, in whichever union branch FastAPI reports
        assert any("response" in found for found in locs), locs


@pytest.mark.parametrize(
    "content",
    [
        b"not json",
        b"{",
        b"[]",
        b"null",
        b'{"rows": [null]}',
        b'{"rows": [[1, 2]]}',
        b"1" * 5000,
        b'{"rows": [{"completion": "x", "solution": 1' + b"9" * 5000 + b"}]}",
        b"\xe9\xff",
    ],
)
def test_odd_bodies_never_get_a_server_error(main_server, content):
    for path in ("/v1/score", "/get_reward", "/slime/reward", "/run_code"):
        r = httpx.post(
            main_server.url + path,
            content=content,
            headers={**main_server.headers, "content-type": "application/json"},
            timeout=30,
        )
        assert r.status_code < 500, (path, content[:40], r.status_code, r.text)
        if not (path == "/slime/reward" and content == b"[]"):  # an empty group is a valid request
            assert r.status_code >= 400, (path, content[:40], r.status_code, r.text)


def test_too_many_rows_and_too_large_a_body_get_413(main_server):
    rows = [{"completion": RIGHT, "solution": "4"}] * 17  # the test server takes 16
    r = httpx.post(
        main_server.url + "/v1/score", json={"rows": rows}, headers=main_server.headers, timeout=30
    )
    assert r.status_code == 413 and "--max-rows-per-request" in r.json()["detail"]
    big = {"rows": [{"completion": "x" * 250_000, "solution": "4"}]}
    r = httpx.post(main_server.url + "/v1/score", json=big, headers=main_server.headers, timeout=30)
    assert r.status_code == 413 and "--max-body-bytes" in r.json()["detail"]

    def chunks():  # no Content-Length: the limit is enforced while reading
        yield b'{"rows": [{"completion": "'
        for _ in range(30):
            yield b"y" * 10_000
        yield b'", "solution": "4"}]}'

    r = httpx.post(
        main_server.url + "/v1/score",
        content=chunks(),
        headers={**main_server.headers, "content-type": "application/json"},
        timeout=30,
    )
    assert r.status_code == 413 and "--max-body-bytes" in r.json()["detail"]


def test_token_is_required_except_for_health(main_server):
    rows = {"rows": [{"completion": RIGHT, "solution": "4"}]}
    for headers in ({}, {"Authorization": "Bearer wrong-token-wrong-token"}, {"Authorization": "Basic !!"}):
        r = httpx.post(main_server.url + "/v1/score", json=rows, headers=headers, timeout=30)
        assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
    assert httpx.get(main_server.url + "/metrics", timeout=30).status_code == 401
    assert httpx.get(main_server.url + "/health", timeout=30).json()["status"] == "ok"
    basic = "Basic " + base64.b64encode(f"user:{TOKEN}".encode()).decode()
    r = httpx.post(main_server.url + "/v1/score", json=rows, headers={"Authorization": basic}, timeout=30)
    assert r.status_code == 200
    r = httpx.post(main_server.url + "/v1/score", json=rows, headers=main_server.headers, timeout=30)
    assert r.status_code == 200 and r.json()["rows"][0]["total"] == 1.5


def test_metrics_in_prometheus_text_format(main_server):
    httpx.post(main_server.url + "/v1/score", json={"rows": _rows()}, headers=main_server.headers, timeout=60)
    r = httpx.get(main_server.url + "/metrics", headers=main_server.headers, timeout=30)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    from prometheus_client.parser import text_string_to_metric_families

    families = {f.name: f for f in text_string_to_metric_families(r.text)}
    for name in (
        "verifiers_requests",
        "verifiers_request_seconds",
        "verifiers_rows",
        "verifiers_queue_rows",
        "verifiers_reward_events",
        "verifiers_worker_restarts",
        "verifiers_rejected_requests",
    ):
        assert name in families, sorted(families)
    rows = {
        s.labels["endpoint"]: s.value for s in families["verifiers_rows"].samples if s.name.endswith("_total")
    }
    assert rows["/v1/score"] >= 5
    nones = [
        s.value
        for s in families["verifiers_reward_events"].samples
        if s.labels.get("reward") == "accuracy"
        and s.labels.get("event") == "nones"
        and s.name.endswith("_total")
    ]
    assert nones and nones[0] >= 1
