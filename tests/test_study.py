"""tf_colorgan.study.analysis: the numbers behind the README's answers to the report's claims, on hand-computed
cases."""

import json
import pathlib
import re

import numpy as np
import pytest

from tf_colorgan.study import analysis


def test_paired_ranks_and_their_intervals():
    ranked = analysis.paired_bootstrap({"A": np.ones(4), "B": np.full(4, 2.0), "C": np.full(4, 3.0)}, True)
    assert ranked == {"A": {"rank": 1, "rank_ci95": [1, 1]}, "B": {"rank": 2, "rank_ci95": [2, 2]},
                      "C": {"rank": 3, "rank_ci95": [3, 3]}}
    assert analysis.paired_bootstrap({"A": np.ones(4), "C": np.full(4, 3.0)}, False)["C"]["rank"] == 1
    # A = (0, 10, 0, 10) has mean 5 against B's constant 4 (lower is better: B ranks 1). A resample of A has a
    # mean below 4 when it draws the 10 at most once in 4 draws: probability 5/16, well inside (2.5%, 97.5%),
    # so both ranks range over [1, 2].
    ranked = analysis.paired_bootstrap({"A": np.array([0.0, 10.0, 0.0, 10.0]), "B": np.full(4, 4.0)}, True)
    assert ranked == {"A": {"rank": 2, "rank_ci95": [1, 2]}, "B": {"rank": 1, "rank_ci95": [1, 2]}}


def test_steps_to_reach_and_window_means():
    record = {"heldout": {"step": [0, 50, 100, 150], "ab_l1": [20.0, 15.0, 12.0, 12.5]},
              "losses": {"step": list(range(1, 151)), "d_loss": [float(s) for s in range(1, 151)]}}
    assert analysis.steps_to_reach(record, 12.0) == 100 and analysis.steps_to_reach(record, 15.5) == 50
    assert analysis.steps_to_reach(record, 11.9) is None
    # means of steps 1..50, 51..100, 101..150
    assert analysis.window_means(record, "d_loss", [50, 100, 150], 50) == [25.5, 75.5, 125.5]


def test_table_rows_are_mean_and_interval_per_model():
    stats = {name: {"mean": 1.23456, "ci95": [1.0, 1.5]} for name, _ in analysis.TABLE_METRICS}
    text = analysis.table({"Gray (ab = 0)": stats, "GAN L1=100 L2=0": stats})
    lines = text.splitlines()
    assert lines[0] == "| model | ab L1 | PSNR dB | SSIM | AuC % | pixel acc. | CF | dCF |"
    assert lines[2] == ("| Gray (ab = 0) | 1.23 [1.00, 1.50] | 1.23 [1.00, 1.50] | 1.235 [1.000, 1.500] | "
                        "1.23 [1.00, 1.50] | 1.235 [1.000, 1.500] | 1.2 [1.0, 1.5] | 1.2 [1.0, 1.5] |")
    assert len(lines) == 4


def analysed(heldout_steps, values):
    """The claims `analysis.analyse` makes of one GAN-L1 run with losses 1..4 (D rising, G falling), trained in two
    processes (float32 on the AVX2-only kind, then mixed_bfloat16 on an AVX512-BF16 one), scored on held-out photos
    at `heldout_steps` (step 0 first) with ab L1 and colourfulness `values`."""
    machines = [{"cpu": "AMD EPYC", "isa": ["avx2", "fma"]},
                {"cpu": "AMD EPYC", "isa": ["avx2", "fma", "avx512f", "avx512_bf16"], "cpu_family_model": ["25", "17"]}]
    record = {"heldout": {"step": heldout_steps, "ab_l1": values, "colourfulness": values},
              "losses": {"step": [1, 2, 3, 4], "d_loss": [1.0, 2.0, 3.0, 4.0], "g_loss": [4.0, 3.0, 2.0, 1.0]},
              "label": "X", "settings": {"gan": "gan", "l1": 100.0}, "seconds_per_step": {"median": 1.0},
              "training_seconds": 4.0, "steps": 4,
              "segments": [{"precision": "float32", "machine": machines[0]},
                           {"precision": "mixed_bfloat16", "machine": machines[1]}]}
    stats = {"mean": 1.0, "ci95": [1.0, 1.0]}
    per_image = [{"colourfulness": 1.0, "dcf": 1.0, "auc": 1.0}]
    summary = {name: stats for name in ("colourfulness", "colourfulness_abs", "dcf", "auc")}
    results = {"models": {analysis.GRAY: {"summary": summary, "per_image": per_image},
                          "X": {"summary": summary, "per_image": per_image}}, "truth": {}}
    return analysis.analyse(results, {"x": record})


@pytest.mark.parametrize("values", [[1.0, 2.0, 3.0, 4.0], [4.0, 3.0, 2.0, 1.0]])
def test_loss_quality_correlation_of_a_monotone_curve_is_plus_or_minus_one(values):
    correlations = analysed([0, 1, 2, 3, 4], [9.0] + values)["d_loss_quality_spearman"]["x"]
    sign = 1.0 if values[0] < values[-1] else -1.0
    assert correlations["d_loss_vs_ab_l1"] == pytest.approx(sign) and correlations["points"] == 4
    assert correlations["g_loss_vs_colourfulness"] == pytest.approx(-sign)


def test_a_run_scored_only_at_step_0_has_no_loss_quality_correlation():
    # a study run without --heldout_every scores the held-out photos before training only: no point to correlate
    correlations = analysed([0], [9.0])["d_loss_quality_spearman"]["x"]
    assert correlations["points"] == 0 and all(np.isnan(value) for name, value in correlations.items()
                                               if name != "points")


def test_the_cost_of_a_run_names_every_cpu_kind_and_precision_that_trained_it():
    # seconds per step compare only between runs of one CPU kind and precision: the claim says which they were
    cost = analysed([0], [9.0])["c_wgan_cost"]["per_configuration"]["x"]
    assert cost == {"seconds_per_step": 1.0, "training_seconds": 4.0, "steps": 4,
                    "precision": "float32+mixed_bfloat16",
                    "cpu_kind": "AMD EPYC family 25 model 17, AVX512-BF16+AMD EPYC, AVX2 only"}


ROOT = pathlib.Path(__file__).resolve().parents[1]


def page_section(page, title):
    """The section of `page` (a path under the repository) whose heading starts with `title`, up to the next
    section of the same level."""
    text = (ROOT / page).read_text()
    start = text.index(f"\n## {title}")
    end = text.find("\n## ", start + 1)
    return text[start:end if end > 0 else None]


@pytest.mark.parametrize("page, title, results", [("README.md", "Results", "study_large"),
                                                  ("docs/study.md", "The study at scale", "study_large"),
                                                  ("docs/study.md", "Phase 3", "study_large_long"),
                                                  ("docs/study.md", "The first study", "figure6")])
def test_the_published_results_tables_are_the_ones_of_the_metrics_files(page, title, results):
    section = page_section(page, title)
    rows = [line for line in section.splitlines() if line.startswith("| ")]
    models = json.loads((ROOT / "results" / results / "metrics.json").read_text())["models"]
    expected = analysis.table({label: model["summary"] for label, model in models.items()}).splitlines()
    start = rows.index(expected[0])  # the table's header row
    assert rows[start:start + len(expected) - 1] == [expected[0], *expected[2:]]
    assert section.count(expected[1]) >= 1  # its separator row


def test_every_link_and_figure_of_the_readme_and_the_docs_resolves():
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "data" / "README.md"]
    embedded = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", (ROOT / "README.md").read_text())
    assert any(path.startswith("results/study_large/") for path in embedded)
    checked = 0
    for page in pages:
        for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text()):
            if not target.startswith(("http://", "https://", "#")):
                assert (page.parent / target.split("#")[0]).exists(), f"{page.relative_to(ROOT)}: {target}"
                checked += 1
    assert checked >= 20  # the README's links to every docs page, and the docs' figures


def test_a_strip_of_photos_round_trips_and_a_wrong_count_is_refused(tmp_path):
    photos = np.stack([np.full((8, 8, 3), value, np.uint8) for value in (0, 128, 255)])
    analysis.write_strip(tmp_path / "strip.jpg", photos)
    # JPEG of flat 8 x 8 blocks: a flat block's DC coefficient is quantised to within a level or so
    np.testing.assert_allclose(analysis.read_strip(tmp_path / "strip.jpg", 3), photos, atol=2)
    with pytest.raises(ValueError, match=r"Expected 2 square photos side by side, 8 x 16. Received: shape \(8, 24\)"):
        analysis.read_strip(tmp_path / "strip.jpg", 2)


def run(label, curve, seed=0):
    """A record as `reproduce.run_record` writes it, with held-out curve `curve` (the same values for every curve
    metric) scored at steps 0, 100, ..."""
    return {"label": label, "settings": {"seed": seed},
            "heldout": {"step": [100 * i for i in range(len(curve))],
                        **{name: list(curve) for name, _ in analysis.CURVE_METRICS}}}


def test_ranks_at_the_last_step_and_by_the_mean_of_the_last_five_can_disagree():
    records = {"a": run("A", [10, 9, 8, 7, 6, 5]), "b": run("B", [10, 4, 4, 4, 4, 6]),
               "b_seed1": run("B seed 1", [1, 1, 1, 1, 1, 1], seed=1)}  # seeds other than 0 are not ranked
    ranked = analysis.curve_ranks(records)
    # ab L1 (lower is better): last 5 vs 6; means of the last five: A (9+8+7+6+5)/5 = 7, B (4*4+6)/5 = 4.4
    assert ranked["ab_l1"]["per_configuration"] == {
        "A": {"last": 5, "rank_last": 1, "mean_last": 7.0, "rank_mean_last": 2},
        "B": {"last": 6, "rank_last": 2, "mean_last": 4.4, "rank_mean_last": 1}}
    assert ranked["ab_l1"]["disagree"] == ["A", "B"] and ranked["ab_l1"]["window"] == 5
    assert ranked["auc"]["per_configuration"]["B"]["rank_last"] == 1  # higher is better
    assert ranked["auc"]["per_configuration"]["B"]["rank_mean_last"] == 2


def test_versus_gray_names_the_first_better_step_and_the_paired_interval_of_the_final_difference():
    gray, model = [10.0, 10.0, 10.0, 10.0], [8.0, 9.0, 8.0, 9.0]
    summary = {name: {"mean": 10.0} for name, _ in analysis.CURVE_METRICS}
    results = {"models": {analysis.GRAY: {"summary": summary, "per_image": [{n: v for n, _ in analysis.CURVE_METRICS}
                                                                           for v in gray]},
                          "A": {"per_image": [{n: v for n, _ in analysis.CURVE_METRICS} for v in model]}}}
    compared = analysis.versus_gray(results, {"a": run("A", [12.0, 11.0, 9.5, 10.5])})["A"]
    # ab L1 (lower is better): 9.5 at step 200 is the first below gray's 10; every photo's difference is -1 or -2,
    # so every resampled mean, and the interval, lies in [-2, -1]
    assert compared["ab_l1"]["first_step_better"] == 200 and compared["ab_l1"]["final_minus_gray"] == -1.5
    low, high = compared["ab_l1"]["ci95"]
    assert -2.0 <= low <= high <= -1.0 and compared["ab_l1"]["better"]
    # PSNR (higher is better): 12 and 11 beat 10 from step 0; the final outputs are worse than gray's
    assert compared["psnr"]["first_step_better"] == 0 and not compared["psnr"]["better"]
    # ...and 9.5 at step 200 does not: better from step 300 on; ab L1's last score (10.5) is not better
    assert compared["psnr"]["better_from"] == 300 and compared["ab_l1"]["better_from"] is None


def test_curve_trends_compare_the_last_five_scores_with_the_five_before():
    records = {"a": run("A", [10.0 - i for i in range(11)]), "b": run("B", [1.0] * 9)}
    trends = analysis.curve_trends(records)
    # A scores 10, 9, ..., 0 at steps 0, 100, ..., 1000: the last five 4..0 (mean 2), the five before 9..5
    # (mean 7); falling by 1 per 100 steps is -10 per 1,000
    ab_l1, auc = trends["A"]["ab_l1"], trends["A"]["auc"]
    assert ab_l1["mean_last"] == 2.0 and ab_l1["mean_before"] == 7.0
    assert ab_l1["slope_per_1000_steps"] == pytest.approx(-10.0)
    assert ab_l1["improvement"] == 5.0 and auc["improvement"] == -5.0  # lower ab L1 is better, lower AuC worse
    assert trends["B"]["ab_l1"] is None  # 9 scores: fewer than two windows of 5


def test_seed_spread_sets_two_seeds_of_a_configuration_against_the_configurations():
    means = {"A": 10.0, "A seed 1": 11.5, "B": 13.0, "C": 12.0}
    results = {"models": {label: {"summary": {name: {"mean": mean} for name, _ in analysis.TABLE_METRICS}}
                          for label, mean in means.items()}}
    records = {"gan_l1": run("A", [9, 9, 9, 9, 9, 9, 4]), "gan_l1_seed1": run("A seed 1", [1, 2, 3, 4, 5, 6], seed=1),
               "lsgan_l1": run("B", [0, 1, 1, 1, 1, 1]), "ebgan_l1": run("C", [8, 8, 8])}
    spread = analysis.seed_spread(results, records)
    # final scores, configurations at seed 0: 10, 13, 12 -> range 3, pairwise differences 3, 2, 1 -> median 2
    assert spread["final"]["configurations"]["ab_l1"] == {"range": 3.0, "median_pairwise": 2.0}
    assert spread["final"]["seeds"] == {"gan_l1": {name: {"means": {"A": 10.0, "A seed 1": 11.5}, "range": 1.5}
                                                   for name, _ in analysis.TABLE_METRICS}}
    # the means of the last five scores (all of a shorter curve): A (9*4+4)/5 = 8, A seed 1 (2+3+4+5+6)/5 = 4,
    # B 1, C 8 -> configurations range 7, pairwise 7, 0, 7 -> median 7; A's seeds range 4
    assert list(spread["mean_last"]["configurations"]) == [name for name, _ in analysis.CURVE_METRICS]
    assert spread["mean_last"]["configurations"]["auc"] == {"range": 7.0, "median_pairwise": 7.0}
    assert spread["mean_last"]["seeds"]["gan_l1"]["dcf"] == {"means": {"A": 8.0, "A seed 1": 4.0}, "range": 4.0}


def test_records_load_in_configuration_order_each_configuration_seeds_in_order(tmp_path):
    (tmp_path / "runs").mkdir()
    for name in ("lsgan_l1", "gan_l1_seed10", "gan_l1", "gan_l1_seed2", "wgan_l2"):
        (tmp_path / "runs" / f"{name}.json").write_text(json.dumps({"name": name}))
    assert list(analysis.load_records(tmp_path)) == ["gan_l1", "gan_l1_seed2", "gan_l1_seed10", "lsgan_l1", "wgan_l2"]
    assert analysis.record_name("gan_l1", 0) == "gan_l1" and analysis.record_name("gan_l1", 2) == "gan_l1_seed2"


def test_the_grid_names_photos_in_the_evaluation_order_and_refuses_unknown_ones(tmp_path):
    from PIL import Image
    from skimage import data as skdata

    for name in ("coffee", "chelsea", "rocket"):
        Image.fromarray(getattr(skdata, name)()).save(tmp_path / f"{name}.png")
    order = analysis.evaluation.evaluation_split(str(tmp_path))["train"]
    assert sorted(order) == ["chelsea.png", "coffee.png", "rocket.png"]
    assert analysis.grid_indices(tmp_path, ["rocket.png", "coffee.png"]) == [order.index("rocket.png"),
                                                                          order.index("coffee.png")]
    assert analysis.grid_indices(tmp_path, None) == [0, 1, 2]
    with pytest.raises(analysis.ConfigError, match=r"Expected file names of photos in .*Received: \['lily.png'\]"):
        analysis.grid_indices(tmp_path, ["coffee.png", "lily.png"])


def test_timing_names_each_configurations_precisions_machines_dates_and_commits(tmp_path):
    def segment(precision, cpu, isa, date, commit):
        return {"precision": precision, "date": date,
                "machine": {"cpu": cpu, "isa": isa, **({"commit": commit} if commit else {})}}

    segments = [segment("float32", "AMD EPYC", ["avx2", "fma"], "2026-12-03", "aed596a"),
                segment("mixed_bfloat16", "AMD EPYC", ["avx2", "fma", "avx512f"], "2026-12-04", None)]
    records = {"gan_l1": {"steps": 2000, "seconds_per_step": {"median": 4.9234, "mean": 5.3},
                          "training_seconds": 10600.4, "segments": segments}}
    analysis.write_timing(records, tmp_path / "timing.csv")
    rows = (tmp_path / "timing.csv").read_text().splitlines()
    assert rows[0].endswith(",dates,commits")
    assert rows[1] == ("gan_l1,2000,4.923,5.3,10600,float32+mixed_bfloat16,AMD EPYC,avx2 fma+avx2 fma avx512f,"
                       "2026-12-03+2026-12-04,?+aed596a")


def test_the_rank_table_shows_both_ranks_and_marks_where_they_differ():
    records = {"a": run("A", [10, 9, 8, 7, 6, 5]), "b": run("B", [10, 4, 4, 4, 4, 6])}
    lines = analysis.rank_table(analysis.curve_ranks(records)).splitlines()
    assert lines[0] == "| model | ab L1 | PSNR dB | SSIM | AuC % | dCF |"
    # ab L1 and dCF (lower is better): A is 1st at its last step (5 < 6), 2nd by the mean of the last five (7 > 4.4);
    # PSNR, SSIM and AuC (higher is better) the other way round; every metric disagrees
    assert lines[2] == "| A | **1 / 2** | **2 / 1** | **2 / 1** | **2 / 1** | **1 / 2** |"
    assert lines[3] == "| B | **2 / 1** | **1 / 2** | **1 / 2** | **1 / 2** | **2 / 1** |"
    same = analysis.rank_table(analysis.curve_ranks({"a": run("A", [1] * 6), "b": run("B", [2] * 6)})).splitlines()
    assert same[2] == "| A | 1 / 1 | 2 / 2 | 2 / 2 | 2 / 2 | 1 / 1 |"


def test_the_spread_table_sets_each_configurations_seed_range_beside_the_range_between_configurations():
    spread = {"configurations": {name: {"range": 3.0, "median_pairwise": 2.0} for name, _ in analysis.TABLE_METRICS},
              "seeds": {"gan_l1": {name: {"range": 1.5} for name, _ in analysis.TABLE_METRICS},
                        "lsgan_l1": {name: {"range": 0.25} for name, _ in analysis.TABLE_METRICS}}}
    lines = analysis.spread_table(spread).splitlines()
    assert lines[0] == ("| metric | configurations: range (median pair) | gan_l1: seed range | lsgan_l1: seed range |")
    assert lines[2] == "| ab L1 | 3.00 (2.00) | 1.50 | 0.25 |"  # 2 digits for ab L1, 3 for SSIM, 1 for CF
    assert lines[4] == "| SSIM | 3.000 (2.000) | 1.500 | 0.250 |" and len(lines) == 2 + len(analysis.TABLE_METRICS)
    curves = {part: {name: spread[part][name] for name, _ in analysis.CURVE_METRICS} for part in ("configurations",)}
    curves["seeds"] = {configuration: {name: ranges[name] for name, _ in analysis.CURVE_METRICS}
                       for configuration, ranges in spread["seeds"].items()}
    lines = analysis.spread_table(curves).splitlines()  # the metrics it is given, in their order
    assert [line.split(" | ")[0] for line in lines[2:]] == ["| ab L1", "| PSNR dB", "| SSIM", "| AuC %", "| dCF"]


def test_the_segment_table_names_each_training_processs_cpu_kind_and_mean_seconds_per_step():
    def segment(start, end, seconds, precision, isa, family_model):
        machine = {"cpu": "AMD EPYC", "isa": isa, "commit": "72dfc1fdc8813a1de086bb05974dfff98e87d78a",
                   **({"cpu_family_model": family_model} if family_model else {})}
        return {"from_step": start, "to_step": end, "seconds": seconds, "precision": precision, "date": "2026-12-04",
                "machine": machine}

    records = {"lsgan_l2": {"label": "LSGAN L1=0 L2=1", "segments": [
        segment(0, 100, 381.2, "float32", ["avx2", "fma"], None),
        segment(100, 2000, 3414.3, "mixed_bfloat16", ["avx2", "fma", "avx512f", "avx512_bf16"], ["25", "17"])]}}
    lines = analysis.segment_table(records).splitlines()
    assert lines[0] == "| run | steps | CPU | precision | date | commit | seconds | s/step |"
    # 381.2 s / 100 steps = 3.812; 3414.3 s / 1900 steps = 1.797
    assert lines[2] == "| LSGAN L1=0 L2=1 | 0-100 | AMD EPYC, AVX2 only | float32 | 2026-12-04 | 72dfc1f | 381 | 3.81 |"
    assert lines[3] == ("| LSGAN L1=0 L2=1 | 100-2000 | AMD EPYC family 25 model 17, AVX512-BF16 | mixed_bfloat16 | "
                        "2026-12-04 | 72dfc1f | 3414 | 1.80 |")
