"""The command line of the contract: allocate and suggest, exit status 2 on invalid input."""

import json
import subprocess
import sys
from pathlib import Path

from matching import parse_instance, parse_result, verify
from matching.cli import main

from .builders import contract_example, need

ROOT = Path(__file__).resolve().parents[2]


def write(path: Path, data) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_python_m_matching_allocate_writes_a_valid_result(tmp_path):
    source = write(tmp_path / "instance.json", contract_example())
    target = tmp_path / "result.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "matching",
            "allocate",
            str(source),
            "-o",
            str(target),
            "--lang",
            "en",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    out = json.loads(target.read_text(encoding="utf-8"))
    assert out["summary"]["funded_fen"] == 3_000_000 and out["summary"]["seconds"] >= 0
    assert out["pairings"][0]["reasons"][0] == {
        "code": "category",
        "params": {"category": "H"},
        "text": "Same service area: elderly care",
    }
    assert verify(parse_instance(contract_example()), parse_result(out)) == []


def test_allocate_prints_to_stdout_without_output_file(tmp_path, capsys):
    source = write(tmp_path / "instance.json", contract_example())
    assert main(["allocate", str(source), "--backend", "networkx"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [p["need"] for p in out["pairings"]] == ["n1"]
    (why,) = out["unfunded"][0]["reasons"]
    assert why["text"] == "清波门社区和清波街道都没有能提供青少年服务的社会组织"


def test_invalid_instance_exits_2_naming_the_item_and_field(tmp_path):
    data = contract_example()
    data["needs"].append(need("n4", -5))
    source = write(tmp_path / "bad.json", data)
    done = subprocess.run(
        [sys.executable, "-m", "matching", "allocate", str(source)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert 'needs[2] (id "n4"): budget_fen must be a positive integer' in done.stderr


def test_unreadable_files_and_unknown_ids_exit_2(tmp_path, capsys):
    assert main(["allocate", str(tmp_path / "missing.json")]) == 2
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    assert main(["suggest", str(broken), "--need", "n1"]) == 2
    source = write(tmp_path / "instance.json", contract_example())
    assert main(["suggest", str(source), "--funder", "f9"]) == 2
    assert "no funder with id 'f9'" in capsys.readouterr().err


def test_suggest_prints_ranked_items_with_reasons(tmp_path, capsys):
    source = write(tmp_path / "instance.json", contract_example())
    assert main(["suggest", str(source), "--need", "n1", "-k", "3", "--lang", "en"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [s["id"] for s in out["organizations"]] == ["o1"]
    assert [r["text"] for r in out["funders"][0]["reasons"]] == [
        "Funder supports elderly care",
        "Can cover the whole budget of ¥30,000",
    ]
    assert main(["suggest", str(source), "--organization", "o1"]) == 0
    assert [s["id"] for s in json.loads(capsys.readouterr().out)["needs"]] == ["n1"]
    assert main(["suggest", str(source), "--funder", "f1"]) == 0
    assert (
        json.loads(capsys.readouterr().out)["needs"][0]["reasons"][0]["text"]
        == "资助方关注为老服务"
    )
