"""Cases x targets x matrix x repeat -> Jobs; filters; sharding."""

from __future__ import annotations

import hashlib

import pytest

from harness.core.errors import UsageError
from harness.core.models import Case, ModelInfo, Provider, Target
from harness.suite import expand, load_suite
from harness.suite.expand import apply_variant, render_value, set_path, shard_of, variants

from .conftest import make_target

MSG = [{"role": "user", "content": "hi"}]


def case(id: str = "c", **kw) -> Case:
    kw.setdefault("request", {"messages": MSG, "temperature": 0.5})
    return Case(suite="s", id=id, **kw)


def test_no_matrix_one_job_per_target(targets):
    jobs = expand([case()], targets)
    assert [j.target.name for j in jobs] == [t.name for t in targets]
    assert all(j.variant == "" and j.repeat == 0 for j in jobs)
    assert jobs[0].id == "s::c::gateway/gpt-4o-mini"
    assert jobs[0].request == {"messages": MSG, "temperature": 0.5}


def test_matrix_is_the_cartesian_product_in_written_order(targets):
    c = case(matrix={"temperature": [0.0, 1.0], "tool_choice": ["auto", "required"]})
    jobs = expand([c], targets[:1])
    assert [j.variant for j in jobs] == [
        "temperature=0.0,tool_choice=auto",
        "temperature=0.0,tool_choice=required",
        "temperature=1.0,tool_choice=auto",
        "temperature=1.0,tool_choice=required",
    ]
    assert [(j.request["temperature"], j.request["tool_choice"]) for j in jobs] == [
        (0.0, "auto"),
        (0.0, "required"),
        (1.0, "auto"),
        (1.0, "required"),
    ]
    assert jobs[1].id == "s::c::gateway/gpt-4o-mini::temperature=0.0,tool_choice=required"
    assert c.request == {"messages": MSG, "temperature": 0.5}  # the case is untouched


def test_dotted_matrix_keys():
    c = case(
        request={"messages": MSG, "extra": {"safe_prompt": False}},
        matrix={
            "extra.web_search_linkup": [True],
            "response_format.type": ["json_object"],
            "messages.0.content": ["hello"],
        },
    )
    (job,) = expand([c], [make_target("p", "m")])
    assert job.request == {
        "messages": [{"role": "user", "content": "hello"}],
        "extra": {"safe_prompt": False, "web_search_linkup": True},
        "response_format": {"type": "json_object"},
    }
    assert job.variant == (
        "extra.web_search_linkup=true,response_format.type=json_object,messages.0.content=hello"
    )
    assert MSG == [{"role": "user", "content": "hi"}]


def test_variant_values_render_compactly():
    assert render_value("auto") == "auto"
    assert render_value(0.0) == "0.0"
    assert render_value(1) == "1"
    assert render_value(True) == "true"
    assert render_value(None) == "null"
    assert render_value({"type": "json_object", "a": [1, 2]}) == '{"a":[1,2],"type":"json_object"}'
    assert render_value(["four", "five"]) == '["four","five"]'
    assert list(variants({})) == [("", {})]
    assert list(variants({"stop": [["a", "b"]]})) == [('stop=["a","b"]', {"stop": ["a", "b"]})]


def test_set_path_errors():
    req = {"temperature": 1, "messages": [{"content": "x"}]}
    with pytest.raises(ValueError, match="temperature is int 1, not a mapping or a list"):
        set_path(req, "temperature.x", 2)
    with pytest.raises(ValueError, match="messages is a list of 1, '3' is not an index in it"):
        set_path(req, "messages.3.content", "y")
    assert apply_variant(req, {"messages.0.content": "z"})["messages"][0]["content"] == "z"
    assert req["messages"][0]["content"] == "x"


def test_repeat_and_order_targets_innermost(targets):
    cases = [case("a", repeat=2), case("b", matrix={"seed": [1, 2]})]
    jobs = expand(cases, targets[:2])
    assert [(j.case.id, j.variant, j.repeat, j.target.provider.name) for j in jobs] == [
        ("a", "", 0, "gateway"),
        ("a", "", 0, "mistral"),
        ("a", "", 1, "gateway"),
        ("a", "", 1, "mistral"),
        ("b", "seed=1", 0, "gateway"),
        ("b", "seed=1", 0, "mistral"),
        ("b", "seed=2", 0, "gateway"),
        ("b", "seed=2", 0, "mistral"),
    ]
    assert jobs[2].id == "s::a::gateway/gpt-4o-mini::r1"
    assert len({j.id for j in jobs}) == len(jobs)


def test_jobs_do_not_share_request_objects(targets):
    jobs = expand([case(repeat=2)], targets)
    jobs[0].request["messages"][0]["content"] = "changed"
    assert all(j.request["messages"][0]["content"] == "hi" for j in jobs[1:])


def test_target_globs_and_dialect_filters(targets):
    by_glob = case("g", targets=("*/mistral-medium-*", "anthropic/*"))
    by_dialect = case("d", dialects=("openai", "anthropic"))
    both = case("b", targets=("gateway/*", "mistral/*"), dialects=("mistral",))
    none = case("n", targets=("nobody/*",))
    jobs = expand([by_glob, by_dialect, both, none], targets)
    assert [(j.case.id, j.target.name) for j in jobs] == [
        ("g", "mistral/mistral-medium-2505"),
        ("g", "anthropic/claude-sonnet-4"),
        ("d", "gateway/gpt-4o-mini"),
        ("d", "anthropic/claude-sonnet-4"),
        ("b", "mistral/mistral-medium-2505"),
    ]
    # globs are case-sensitive on every platform
    assert expand([case(targets=("GATEWAY/*",))], targets) == []


def test_expand_accepts_suites_cases_and_lists(write, targets):
    path = write(
        """\
        cases:
          - id: a
            request: {messages: [{role: user, content: hi}]}
            matrix: {temperature: [0, 1]}
          - id: b
            repeat: 2
            request: {messages: [{role: user, content: hi}]}
        """,
        "s1.yaml",
    )
    suite = load_suite(path)
    assert len(expand(suite, targets)) == 2 * 3 + 2 * 3
    assert len(expand([suite, suite], targets)) == 24
    assert len(expand(suite.cases[0], targets)) == 6
    assert [j.id for j in expand(suite, targets[:1])] == [
        "s1::a::gateway/gpt-4o-mini::temperature=0",
        "s1::a::gateway/gpt-4o-mini::temperature=1",
        "s1::b::gateway/gpt-4o-mini::r0",
        "s1::b::gateway/gpt-4o-mini::r1",
    ]


def _many_jobs(targets):
    cases = [case(f"c{i}", matrix={"temperature": [0.0, 0.5, 1.0]}, repeat=2) for i in range(10)]
    return cases, expand(cases, targets)


def test_shards_partition_the_jobs(targets):
    cases, jobs = _many_jobs(targets)
    all_ids = [j.id for j in jobs]
    assert len(all_ids) == 10 * 3 * 2 * 3
    for n in (1, 2, 3, 7):
        shards = [[j.id for j in expand(cases, targets, shard=(k, n))] for k in range(1, n + 1)]
        union = [i for s in shards for i in s]
        assert sorted(union) == sorted(all_ids)  # complete and disjoint
        assert len(set(union)) == len(union)
        for s in shards:  # each shard keeps the global order
            assert s == [i for i in all_ids if i in set(s)]
    assert all(len(s) > 0 for s in shards)


def test_shard_is_a_stable_sha1():
    job_id = "s::c::gateway/gpt-4o-mini::r1"
    expected = int(hashlib.sha1(job_id.encode()).hexdigest(), 16) % 5 + 1
    assert shard_of(job_id, 5) == expected
    assert shard_of("tools::weather::mistral/mistral-medium-2505", 4) == 1  # pinned


@pytest.mark.parametrize("bad", [(0, 2), (3, 2), (1, 0), (-1, -1), ("1", 2)])
def test_bad_shard(bad, targets):
    with pytest.raises(UsageError, match="shard must be K/N with 1 <= K <= N"):
        expand([case()], targets, shard=bad)


def test_a_target_whose_provider_does_not_serve_the_endpoint_is_skipped():
    chat_only = Target(Provider("mistral", "http://m", "mistral"), ModelInfo("m"))
    gateway = Target(
        Provider("gw", "http://g", "openai",
                 endpoints={"chat": "/chat/completions", "responses": "/responses",
                            "messages": "/messages"}),
        ModelInfo("g"),
    )
    both = [chat_only, gateway]
    responses = case("r", request={"messages": MSG, "endpoint": "responses"})
    assert [j.target.name for j in expand([responses], both)] == ["gw/g"]
    assert expand([responses], [chat_only]) == []  # no target serves it: no job, no error
    per_endpoint = case(request={"messages": MSG}, matrix={"endpoint": ["chat", "messages"]})
    assert [(j.variant, j.target.name) for j in expand([per_endpoint], both)] == [
        ("endpoint=chat", "mistral/m"),
        ("endpoint=chat", "gw/g"),
        ("endpoint=messages", "gw/g"),
    ]


def test_shards_keep_the_repeats_of_a_group_together() -> None:
    from harness.core.models import Case, ModelInfo, Provider, Target
    from harness.suite import expand

    provider = Provider(name="p", base_url="http://x", dialect="openai", models={"m": ModelInfo(id="m")})
    target = Target(provider, provider.models["m"])
    cases = [
        Case(suite="s", id=f"c{i}", request={"messages": []}, repeat=4, matrix={"temperature": [0, 1]})
        for i in range(12)
    ]
    everything = expand(cases, [target])
    seen: dict[tuple[str, str], int] = {}
    total = 0
    for k in (1, 2, 3):
        shard = expand(cases, [target], shard=(k, 3))
        total += len(shard)
        for job in shard:
            assert seen.setdefault((job.case.id, job.variant), k) == k
    assert total == len(everything)
