"""tf_colorgan.study: the numbers behind the README's answers to the report's claims, on hand-computed cases."""

import json
import pathlib
import re

import numpy as np
import pytest

from tf_colorgan import study


def test_paired_ranks_and_their_intervals():
    ranked = study.paired_bootstrap({"A": np.ones(4), "B": np.full(4, 2.0), "C": np.full(4, 3.0)}, True)
    assert ranked == {"A": {"rank": 1, "rank_ci95": [1, 1]}, "B": {"rank": 2, "rank_ci95": [2, 2]},
                      "C": {"rank": 3, "rank_ci95": [3, 3]}}
    assert study.paired_bootstrap({"A": np.ones(4), "C": np.full(4, 3.0)}, False)["C"]["rank"] == 1
    # A = (0, 10, 0, 10) has mean 5 against B's constant 4 (lower is better: B ranks 1). A resample of A has a
    # mean below 4 when it draws the 10 at most once in 4 draws: probability 5/16, well inside (2.5%, 97.5%),
    # so both ranks range over [1, 2].
    ranked = study.paired_bootstrap({"A": np.array([0.0, 10.0, 0.0, 10.0]), "B": np.full(4, 4.0)}, True)
    assert ranked == {"A": {"rank": 2, "rank_ci95": [1, 2]}, "B": {"rank": 1, "rank_ci95": [1, 2]}}


def test_steps_to_reach_and_window_means():
    record = {"heldout": {"step": [0, 50, 100, 150], "ab_l1": [20.0, 15.0, 12.0, 12.5]},
              "losses": {"step": list(range(1, 151)), "d_loss": [float(s) for s in range(1, 151)]}}
    assert study.steps_to_reach(record, 12.0) == 100 and study.steps_to_reach(record, 15.5) == 50
    assert study.steps_to_reach(record, 11.9) is None
    # means of steps 1..50, 51..100, 101..150
    assert study.window_means(record, "d_loss", [50, 100, 150], 50) == [25.5, 75.5, 125.5]


def test_table_rows_are_mean_and_interval_per_model():
    stats = {name: {"mean": 1.23456, "ci95": [1.0, 1.5]} for name, _ in study.TABLE_METRICS}
    text = study.table({"models": {"Gray (ab = 0)": {"summary": stats}, "GAN L1=100 L2=0": {"summary": stats}}})
    lines = text.splitlines()
    assert lines[0] == "| model | ab L1 | PSNR dB | SSIM | AuC % | pixel acc. | CF | dCF |"
    assert lines[2] == ("| Gray (ab = 0) | 1.23 [1.00, 1.50] | 1.23 [1.00, 1.50] | 1.235 [1.000, 1.500] | "
                        "1.23 [1.00, 1.50] | 1.235 [1.000, 1.500] | 1.2 [1.0, 1.5] | 1.2 [1.0, 1.5] |")
    assert len(lines) == 4


def analysed_correlations(heldout_steps, values):
    """The loss-quality correlations `study.analyse` gives one GAN-L1 run with losses 1..4 (D rising, G falling)
    scored on held-out photos at `heldout_steps` (step 0 first) with ab L1 and colourfulness `values`."""
    record = {"heldout": {"step": heldout_steps, "ab_l1": values, "colourfulness": values},
              "losses": {"step": [1, 2, 3, 4], "d_loss": [1.0, 2.0, 3.0, 4.0], "g_loss": [4.0, 3.0, 2.0, 1.0]},
              "label": "X", "settings": {"gan": "gan", "l1": 100.0}, "seconds_per_step": {"median": 1.0},
              "training_seconds": 4.0, "steps": 4}
    stats = {"mean": 1.0, "ci95": [1.0, 1.0]}
    per_image = [{"colourfulness": 1.0, "dcf": 1.0, "auc": 1.0}]
    summary = {name: stats for name in ("colourfulness", "colourfulness_abs", "dcf", "auc")}
    results = {"models": {study.GRAY: {"summary": summary, "per_image": per_image},
                          "X": {"summary": summary, "per_image": per_image}}, "truth": {}}
    return study.analyse(results, {"x": record})["d_loss_quality_spearman"]["x"]


@pytest.mark.parametrize("values", [[1.0, 2.0, 3.0, 4.0], [4.0, 3.0, 2.0, 1.0]])
def test_loss_quality_correlation_of_a_monotone_curve_is_plus_or_minus_one(values):
    correlations = analysed_correlations([0, 1, 2, 3, 4], [9.0] + values)
    sign = 1.0 if values[0] < values[-1] else -1.0
    assert correlations["d_loss_vs_ab_l1"] == pytest.approx(sign) and correlations["points"] == 4
    assert correlations["g_loss_vs_colourfulness"] == pytest.approx(-sign)


def test_a_run_scored_only_at_step_0_has_no_loss_quality_correlation():
    # a study run without --heldout_every scores the held-out photos before training only: no point to correlate
    correlations = analysed_correlations([0], [9.0])
    assert correlations["points"] == 0 and all(np.isnan(value) for name, value in correlations.items()
                                               if name != "points")


ROOT = pathlib.Path(__file__).resolve().parents[1]
RESULTS = ROOT / "results" / "figure6"


def readme_section(title):
    """The README's section whose heading starts with `title`, up to the next section."""
    text = (ROOT / "README.md").read_text()
    start = text.index(f"\n## {title}")
    end = text.find("\n## ", start + 1)
    return text[start:end if end > 0 else None]


def test_the_readme_results_table_is_the_one_of_the_published_metrics():
    section = readme_section("Results")
    rows = [line for line in section.splitlines() if line.startswith("| ")]
    expected = study.table(json.loads((RESULTS / "metrics.json").read_text())).splitlines()
    start = rows.index(expected[0])  # the table's header row
    assert rows[start:start + len(expected) - 1] == [expected[0], *expected[2:]]
    assert section.count(expected[1]) >= 1  # its separator row


def test_every_figure_the_readme_embeds_exists():
    embedded = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", (ROOT / "README.md").read_text())
    assert any(path.startswith("results/figure6/") for path in embedded)
    for path in embedded:
        assert (ROOT / path).is_file(), path


def test_a_strip_of_photos_round_trips_and_a_wrong_count_is_refused(tmp_path):
    photos = np.stack([np.full((8, 8, 3), value, np.uint8) for value in (0, 128, 255)])
    study.write_strip(tmp_path / "strip.jpg", photos)
    # JPEG of flat 8 x 8 blocks: a flat block's DC coefficient is quantised to within a level or so
    np.testing.assert_allclose(study.read_strip(tmp_path / "strip.jpg", 3), photos, atol=2)
    with pytest.raises(ValueError, match=r"Expected 2 square photos side by side, 8 x 16. Received: shape \(8, 24\)"):
        study.read_strip(tmp_path / "strip.jpg", 2)
