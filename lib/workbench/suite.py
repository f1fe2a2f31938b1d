"""A run as a suite file: TOML that the command line runs in CI and the page downloads and opens.

    name = "Tone of replies"                 # optional
    models = ["gpt-4o-mini", "gpt-4o"]
    repeat = 3                               # optional, 1-10
    cases_file = "cases.csv"                 # or [[cases]] tables; CSV or JSONL beside the suite
    reasoning_effort = "low"                 # optional: minimal, low, medium, high
    [prompt]
    system = "You answer {{audience}}."
    user = "Explain {{topic}}."
    [params]                                 # optional: the Chat page's parameters
    temperature = 0.2
    [response_format]                        # optional: type = "json_object" or "json_schema"
    type = "json_schema"
    schema = { type = "object" }
    [extra]                                  # optional: merged into each request
    top_k = 40
    [[checks]]
    kind = "judge"                           # contains, not_contains, regex, json, json_schema,
    rubric = "Is {{output}} kind?"           # judge, similar, max_credits, max_seconds,
    model = "gpt-4o"                         # min_length, max_length
    threshold = 0.7
    must = false                             # a should-check: counts in a score, fails nothing
    [[tools]]                                # optional: each cell runs a chain answered by the mocks
    name = "get_weather"
    description = "Get the current weather for a city."
    parameters = { type = "object", properties = { city = { type = "string" } } }
    mock = '{"city": "{{city}}", "temperature": 21}'
    [tool_settings]                          # optional: choice auto, none, required or a tool's name
    choice = "auto"
    parallel_calls = true
    max_steps = 5
    [[checks]]
    kind = "tool_arguments"                  # or calls_tool (value: the tool's name)
    value = "get_weather"
    arguments = { city = "{{city}}" }        # a JSON subset of the arguments, or a JSON Schema

Validation is strict: an unknown key anywhere is refused and named, as is a bad value, a check
that cannot run (`check_problem`) or a cases file that is missing or does not fit the prompt's
variables. Every refusal is a `SuiteError` in plain English with where it is.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import ErrorDetails

from lib import chat
from lib.chat import extra_params, structured, tools
from lib.i18n import t
from lib.workbench.cases import load_file
from lib.workbench.grid import (
    DEFAULT_POOL,
    MAX_MODELS,
    MAX_POOL,
    MAX_REPEAT,
    REASONING_EFFORTS,
    RunSpec,
)
from lib.workbench.prompt import (
    CHECK_KINDS,
    DEFAULT_THRESHOLD,
    Check,
    check_problem,
    variables,
)

MAX_TOOLS = tools.MAX_TOOLS  # (a suite's `tools` key hides the module in its model)
PARAM_NAMES = tuple(p.name for p in chat.PARAMS)
MAX_SUITE_BYTES = 5 * 1024 * 1024


class SuiteError(ValueError):
    """A suite that cannot run; the message says where and why, in plain English."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=False)


class _Prompt(_Strict):
    system: str = ""
    user: Annotated[str, Field(min_length=1)]


class _Format(_Strict):
    type: Literal["text", "json_object", "json_schema"]
    schema_: dict[str, Any] | str | None = Field(default=None, alias="schema")
    name: str = structured.DEFAULT_SCHEMA_NAME
    strict: bool = True


class _Check(_Strict):
    kind: Literal[CHECK_KINDS]  # type: ignore[valid-type]
    value: str | int | float | dict[str, Any] = ""
    must: bool = True
    rubric: str = ""
    model: str = ""
    threshold: Annotated[float, Field(ge=0, le=1)] = DEFAULT_THRESHOLD
    arguments: str | dict[str, Any] = ""


class _Tool(_Strict):
    name: str
    description: str = ""
    parameters: str | dict[str, Any] = ""
    mock: str = ""


class _ToolSettings(_Strict):
    choice: str = "auto"
    parallel_calls: bool = True
    max_steps: Annotated[int, Field(ge=1, le=tools.MAX_STEPS)] = tools.DEFAULT_STEPS


class _Suite(_Strict):
    name: str = ""
    prompt: _Prompt
    models: Annotated[list[str], Field(min_length=1, max_length=MAX_MODELS)]
    params: dict[str, Any] = {}
    repeat: Annotated[int, Field(ge=1, le=MAX_REPEAT)] = 1
    pool: Annotated[int, Field(ge=1, le=MAX_POOL)] = DEFAULT_POOL
    reasoning_effort: Literal[REASONING_EFFORTS] = "off"  # type: ignore[valid-type]
    response_format: _Format | None = None
    extra: dict[str, Any] = {}
    cases: list[dict[str, str | int | float | bool]] = []
    cases_file: str = ""
    checks: list[_Check] = []
    tools: Annotated[list[_Tool], Field(max_length=MAX_TOOLS)] = []
    tool_settings: _ToolSettings | None = None

    @field_validator("params")
    @classmethod
    def _known_params(cls, params: dict[str, Any]) -> dict[str, Any]:
        unknown = [name for name in params if name not in PARAM_NAMES]
        if unknown:
            raise ValueError(f"unknown parameter {', '.join(map(repr, unknown))} (known: {', '.join(PARAM_NAMES)})")
        return params


def load(path: Path) -> tuple[RunSpec, list[dict[str, Any]], str]:
    """(what to run, the cases, the suite's name) from a suite file; SuiteError when it cannot run."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SuiteError(f"{path}: cannot read the suite ({exc.strerror})") from None
    if len(data) > MAX_SUITE_BYTES:
        raise SuiteError(f"{path}: a suite may be at most {MAX_SUITE_BYTES // 1024 // 1024} MB")
    spec, cases, name = parse(data, path.name, base_dir=path.parent)
    return spec, cases, name or path.stem


def parse(data: bytes, source: str, base_dir: Path | None = None) -> tuple[RunSpec, list[dict[str, Any]], str]:
    """A suite's bytes read and checked; `base_dir` is where a cases_file is looked for (None:
    a suite opened in the browser, which must hold its cases)."""
    try:
        raw = tomllib.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise SuiteError(f"{source}: the suite is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise SuiteError(f"{source}: not valid TOML: {exc}") from None
    try:
        suite = _Suite.model_validate(raw)
    except ValidationError as exc:
        raise SuiteError(f"{source}: " + "; ".join(_plain(error) for error in exc.errors()[:5])) from None
    spec = _spec(suite, source)
    names = variables(spec.system, spec.user)
    cases = _cases(suite, names, source, base_dir)
    return spec, cases, suite.name


def _plain(error: ErrorDetails) -> str:
    """One pydantic error as a person reads it: where (`checks[2].rubrik`) and what is wrong."""
    where = "".join(f"[{step}]" if isinstance(step, int) else f".{step}" for step in error["loc"]).lstrip(".")
    where = where.replace(".schema_", ".schema")
    if error["type"] == "extra_forbidden":
        return f"{where}: unknown key (not one a suite has; check its spelling)"
    if error["type"] == "missing":
        return f"{where}: missing (it is required)"
    return f"{where}: {error['msg']}"


def _spec(suite: _Suite, source: str) -> RunSpec:
    params = chat.default_settings()["params"]
    for name, value in suite.params.items():
        params[name] = {"on": True, "value": "\n".join(value) if isinstance(value, list) else value}
    try:
        chat.request_params({"params": params})
    except (TypeError, ValueError):
        raise SuiteError(
            f"{source}: params: a value is not of its parameter's type (numbers, and stop as text or a list of texts)"
        ) from None
    extra = extra_params.parse_extra(json.dumps(suite.extra))
    if extra.problem:
        raise SuiteError(f"{source}: extra: may not set {extra.problem.reason}")
    checks = [_check(check) for check in suite.checks]
    for index, check in enumerate(checks):
        problem = check_problem(check)
        if problem:
            raise SuiteError(f"{source}: checks[{index}] ({check.kind}): {t(problem[0], 'en', **problem[1])}")
    return RunSpec(
        suite.prompt.system,
        suite.prompt.user,
        suite.models,
        params,
        checks,
        pool=suite.pool,
        repeat=suite.repeat,
        reasoning=suite.reasoning_effort,
        response_format=_response_format(suite.response_format, source),
        extra=extra.values,
        tools=_tools(suite, source),
    )


def _check(check: _Check) -> Check:
    value = json.dumps(check.value) if isinstance(check.value, dict) else str(check.value)
    return Check(
        check.kind,
        value,
        must=check.must,
        rubric=check.rubric,
        model=check.model,
        threshold=check.threshold,
        arguments=_json_text(check.arguments),
    )


def _json_text(value: str | dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else value


def _tools(suite: _Suite, source: str) -> dict[str, Any] | None:
    """The suite's tools as the page keeps them; a tool the API would refuse is named."""
    if not suite.tools:
        if suite.tool_settings or any(check.kind in ("calls_tool", "tool_arguments") for check in suite.checks):
            raise SuiteError(f"{source}: tool_settings and checks on tool calls need [[tools]]")
        return None
    listed = [
        {
            "name": tool.name,
            "description": tool.description,
            "parameters": _json_text(tool.parameters),
            "mock": tool.mock,
        }
        for tool in suite.tools
    ]
    for problem in tools.problems(listed):
        reason = t(tools.PROBLEM_KEY(problem.code), "en", number=problem.index + 1, detail=problem.detail)
        raise SuiteError(f"{source}: tools[{problem.index}]: {reason}")
    wanted = suite.tool_settings or _ToolSettings()
    names = [tool["name"] for tool in listed]
    if wanted.choice not in (*tools.CHOICES, *names):
        raise SuiteError(
            f"{source}: tool_settings.choice: {wanted.choice!r} is none of auto, none, required or a tool's name"
        )
    return {
        **tools.default_settings(),
        "tools": listed,
        "tool_choice": wanted.choice,
        "parallel_tool_calls": wanted.parallel_calls,
        "auto_steps": wanted.max_steps,
    }


def _response_format(wanted: _Format | None, source: str) -> dict[str, Any] | None:
    if wanted is None:
        return None
    schema = wanted.schema_ if isinstance(wanted.schema_, str) else json.dumps(wanted.schema_ or {})
    if wanted.type == structured.JSON_SCHEMA:
        problem = structured.schema_problem(schema)
        if problem or wanted.schema_ is None:
            reason = problem.reason if problem else "missing (json_schema needs one)"
            raise SuiteError(f"{source}: response_format.schema: {reason}")
    return structured.response_format(wanted.type, schema, wanted.name, wanted.strict)


def _cases(suite: _Suite, names: list[str], source: str, base_dir: Path | None) -> list[dict[str, Any]]:
    if suite.cases and suite.cases_file:
        raise SuiteError(f"{source}: give cases as [[cases]] or cases_file, not both")
    if suite.cases_file:
        return _cases_from_file(suite.cases_file, names, source, base_dir)
    cases: list[dict[str, Any]] = [{k: str(v) for k, v in case.items()} for case in suite.cases]
    for index, case in enumerate(cases):
        missing = [name for name in names if name not in case]
        if missing:
            raise SuiteError(f"{source}: cases[{index}]: no value for {', '.join(missing)}")
    return cases or [{}]


def _cases_from_file(name: str, names: list[str], source: str, base_dir: Path | None) -> list[dict[str, Any]]:
    if base_dir is None:
        raise SuiteError(
            f"{source}: cases_file {name!r} is not beside a suite opened here; put the cases in the suite as [[cases]]"
        )
    path = (base_dir / name).resolve()
    if not path.is_relative_to(base_dir.resolve()):
        raise SuiteError(f"{source}: cases_file {name!r} must be beside the suite (or below it)")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SuiteError(f"{source}: cases_file {name!r}: cannot read it ({exc.strerror})") from None
    loaded = load_file(data, path.name, names)
    if loaded.refusals:
        raise SuiteError(
            f"{source}: cases_file {name!r}: " + " ".join(t(key, "en", **fields) for key, fields in loaded.refusals)
        )
    return loaded.cases


def dump(spec: RunSpec, cases: list[dict[str, Any]], name: str = "") -> str:
    """A suite file that runs `spec` on `cases` (the page's "Download as suite")."""
    body: dict[str, Any] = {"name": name} if name else {}
    body |= {"models": spec.models, "repeat": spec.repeat, "prompt": {"system": spec.system, "user": spec.user}}
    params = chat.request_params({"params": spec.params})
    if "stop" in params:
        params["stop"] = list(params["stop"])
    if params:
        body["params"] = params
    if spec.reasoning != "off":
        body["reasoning_effort"] = spec.reasoning
    if spec.response_format:
        form = spec.response_format
        body["response_format"] = {"type": form["type"]}
        if "json_schema" in form:
            body["response_format"] |= {
                "schema": form["json_schema"]["schema"],
                "name": form["json_schema"]["name"],
                "strict": form["json_schema"].get("strict", True),
            }
    if spec.extra:
        body["extra"] = spec.extra
    if (tool_settings := spec.active_tools()) is not None:
        body["tools"] = [
            {
                key: _parsed(tool[key]) if key == "parameters" else tool[key]
                for key in ("name", "description", "parameters", "mock")
                if tool[key]
            }
            for tool in tools.valid_tools(tool_settings["tools"])
        ]
        body["tool_settings"] = {
            "choice": tool_settings["tool_choice"],
            "parallel_calls": tool_settings["parallel_tool_calls"],
            "max_steps": spec.max_steps(),
        }
    body["checks"] = [_check_table(check) for check in spec.checks]
    body["cases"] = [case for case in cases if case]
    return tomli_w.dumps({k: v for k, v in body.items() if v != []})


def _check_table(check: Check) -> dict[str, Any]:
    table: dict[str, Any] = {"kind": check.kind}
    if check.value:
        table["value"] = check.value
    if not check.must:
        table["must"] = False
    if check.rubric:
        table |= {"rubric": check.rubric, "model": check.model}
    if check.kind in ("judge", "similar"):
        table["threshold"] = check.threshold
    if check.arguments:
        table["arguments"] = _parsed(check.arguments)
    return table


def _parsed(text: str) -> Any:
    """JSON text as a TOML table where it is an object (easier to read), else as it is."""
    try:
        value = json.loads(text)
    except ValueError:
        return text
    if not isinstance(value, dict):
        return text
    try:
        tomli_w.dumps(value)
    except (TypeError, ValueError):  # a null, which TOML has no word for
        return text
    return value
