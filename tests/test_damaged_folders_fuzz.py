"""Random damage to a results folder never disables it.

Records and artifacts of a real run are damaged at random (truncated, bytes inserted,
fields given values of any JSON type, fields removed, files replaced by noise); ``report``
and ``merge`` must still exit 0, keep every untouched row, and name every file they moved
aside. A damaged file that is still a valid row is kept as one: damage is judged by the
one schema check, nothing else.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_received_folders import COMPARE

from imblearn_deep.comparison import _figures as figures_module
from imblearn_deep.comparison import check_row, read_results
from imblearn_deep.comparison._cli import main
from imblearn_deep.comparison._store import cell_slug

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)


@st.composite
def damages(draw, names: list[str], keys: list[str]):
    """A list of (file, how) with a new value where the damage needs one."""
    chosen = draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True))
    plan = []
    for name in chosen:
        kind = draw(st.sampled_from(["truncate", "insert", "noise", "set", "drop"]))
        if name.endswith(".npz") and kind in ("set", "drop"):
            kind = "truncate"
        if kind == "truncate":
            plan.append((name, kind, draw(st.floats(0, 0.999))))
        elif kind == "insert":
            plan.append((name, kind, (draw(st.floats(0, 1)), draw(st.binary(min_size=1)))))
        elif kind == "noise":
            plan.append((name, kind, draw(st.binary(max_size=64))))
        elif kind == "set":
            plan.append((name, kind, (draw(st.sampled_from(keys)), draw(JSON))))
        else:
            plan.append((name, kind, draw(st.sampled_from(keys))))
    return plan


def _apply(path: Path, kind: str, value) -> None:
    data = path.read_bytes()
    if kind == "truncate":
        path.write_bytes(data[: int(value * len(data))])
    elif kind == "insert":
        at = int(value[0] * len(data))
        path.write_bytes(data[:at] + value[1] + data[at:])
    elif kind == "noise":
        path.write_bytes(value)
    elif kind == "set":
        path.write_text(json.dumps({**json.loads(data), value[0]: value[1]}))
    else:
        row = json.loads(data)
        row.pop(value, None)
        path.write_text(json.dumps(row))


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("fuzzed") / "run"
    assert main([*COMPARE, "--output", str(folder)]) == 0
    return folder


def _names(folder: Path) -> list[str]:
    files = sorted(folder.glob("cells/*.json")) + sorted(folder.glob("artifacts/*.npz"))
    return [str(p.relative_to(folder)) for p in files]


def _run(*argv) -> tuple[int, str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code = main([str(a) for a in argv])
    return code, "\n".join(str(w.message) for w in caught)


def test_damage_of_any_kind_is_named_and_every_intact_row_kept(recorded, monkeypatch):
    # The score, recall and confusion figures take seconds and read only checked rows;
    # the image grid, which reads the artifacts, is drawn every time.
    for name in ("_plot_scores", "_plot_recall", "_plot_confusions"):
        monkeypatch.setattr(figures_module, name, lambda Figure, rows, path: path.name)
    rows = {row["cell"]: row for row in read_results(recorded)}
    keys = sorted({key for row in rows.values() for key in row})

    # Derandomized, so that CI sees the same examples every run; a longer exploration:
    # IMBLEARN_DEEP_FUZZ_EXAMPLES=1000 with a random seed (pytest -p hypothesis --hypothesis-seed).
    @settings(
        max_examples=int(os.environ.get("IMBLEARN_DEEP_FUZZ_EXAMPLES", 30)),
        derandomize="IMBLEARN_DEEP_FUZZ_EXAMPLES" not in os.environ,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(plan=damages(_names(recorded), keys))
    def check(plan):
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp, "received")
            shutil.copytree(recorded, folder)
            for name, kind, value in plan:
                _apply(folder / name, kind, value)
            touched = {name for name, _, _ in plan}
            code, said = _run("report", "--output", folder)
            assert code == 0
            merged = Path(tmp, "merged")
            assert _run("merge", folder, "--output", merged)[0] == 0
            for name in touched:
                path = folder / name
                if path.exists():  # still valid: a row like any other
                    assert name.endswith(".npz") or check_row(json.loads(path.read_text())) is None
                else:
                    assert str(path) in said and path.with_name(path.name + ".damaged").exists()
            untouched = {cell for cell in rows if f"cells/{cell_slug(cell)}.json" not in touched}
            for out in (folder, merged):
                kept = {row["cell"]: row for row in read_results(out)}
                assert untouched <= set(kept)
                assert all(kept[cell] == rows[cell] for cell in untouched)
                assert (out / "report.md").is_file()

    check()
