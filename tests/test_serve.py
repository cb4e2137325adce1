"""`tf-colorgan serve`: a real server process on 127.0.0.1, real HTTP requests (TensorFlow Serving's REST API)."""

import base64
import concurrent.futures
import json
import pathlib
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import numpy as np
import pytest
import tensorflow as tf

from tf_colorgan.data import sources
from tf_colorgan.networks import pix2pix
from tf_colorgan.tasks.colorize import export, lab_stream

ROOT = pathlib.Path(__file__).resolve().parents[1]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def call(url, body=None):
    """(HTTP status, decoded JSON answer) of a GET (no body) or a POST of `body` (bytes)."""
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def b64_file(name):
    return base64.b64encode((sources.SAMPLE_DIR / name).read_bytes()).decode("ascii")


@pytest.fixture(scope="module")
def server(module_tmp_path):
    """(base URL, export folder): `tf-colorgan serve` on a width-8 colorizer's export, with small limits."""
    generator = pix2pix.unet_generator(width=8)
    # move the moving averages
    generator(lab_stream.eval_pairs(sources.make_split("sample", 0), 256, 4)[0], training=True)
    last = generator.get_layer("g_dec8_deconv").kernel  # x3000: an untrained U-Net colours within rounding of gray
    last.assign(last * 3000.0)
    path = module_tmp_path / "export"
    export.export_colorizer(generator, 256, path)
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "tf_colorgan.serving", "serve", "--model", str(path), "--port",
                                str(port), "--max_request_bytes=2000000", "--max_pixels=300000"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}/v1/models/colorgan"
    for _ in range(240):  # TensorFlow's import and the export's load
        try:
            if call(base)[0] == 200:
                break
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.5)
    else:
        process.kill()
        pytest.fail(process.stdout.read())
    yield base, path
    process.terminate()
    process.wait(timeout=30)


@pytest.mark.slow
def test_status_and_both_signatures_answer_like_the_export(server):
    base, path = server
    assert call(base) == (200, {"model_version_status": [{"version": "1", "state": "AVAILABLE",
                                                          "status": {"error_code": "OK", "error_message": ""}}]})
    signatures = tf.saved_model.load(str(path)).signatures
    status, answer = call(base + ":predict", json.dumps(
        {"signature_name": "encoded", "instances": [{"b64": b64_file("coffee.jpg")}]}).encode())
    assert status == 200
    png = base64.b64decode(answer["predictions"][0]["b64"])
    photo = tf.io.decode_jpeg((sources.SAMPLE_DIR / "coffee.jpg").read_bytes())
    expected = signatures["serving_default"](images=photo[tf.newaxis])["colorized"][0].numpy()
    assert np.array_equal(tf.io.decode_png(png).numpy(), expected)  # at the photo's own size, 512 x 341

    small = tf.cast(tf.image.resize(photo, [24, 32]), tf.uint8).numpy()
    status, answer = call(base + ":predict", json.dumps({"inputs": {"images": [small.tolist()]}}).encode())
    assert status == 200
    assert np.array_equal(np.array(answer["outputs"], np.uint8)[0],
                          signatures["serving_default"](images=small[np.newaxis])["colorized"][0].numpy())


@pytest.mark.slow
def test_eight_clients_at_once_get_the_same_answers(server):
    base, _ = server
    bodies = [json.dumps({"signature_name": "encoded", "instances": [{"b64": b64_file(name)}]}).encode()
              for name in ("chelsea.jpg", "rocket.jpg")] * 4
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda body: call(base + ":predict", body), bodies))
    assert all(status == 200 for status, _ in answers)
    assert all(answer == answers[index % 2][1] for index, (_, answer) in enumerate(answers))


@pytest.mark.slow
@pytest.mark.parametrize("path, body, status, message", [
    (":predict", b"{not json", 400, "Malformed JSON"),
    (":predict", json.dumps({"instances": [1], "inputs": [1]}).encode(), 400, "exactly one of 'instances'"),
    (":predict", json.dumps({"signature_name": "encoded", "instances": [{"b64": base64.b64encode(
        b"plain text, no image").decode()}]}).encode(), 400, "Invalid instance 0: not an image"),
    (":predict", json.dumps({"signature_name": "nope", "instances": [1]}).encode(), 400, "Invalid signature_name"),
    (":predict", json.dumps({"instances": [[[1, 2]]]}).encode(), 400, "nested lists [H][W][3]"),
    (":predict", b" " * 2_500_000, 413, "the limit is 2000000"),  # over --max_request_bytes
    (":predict", json.dumps({"signature_name": "encoded", "instances": [{"b64": base64.b64encode(tf.io.encode_png(
        tf.zeros([600, 600, 3], tf.uint8)).numpy()).decode()}]}).encode(), 413,
     "the limit is 300000"),  # 360,000 pixels, over --max_pixels
    ("_other:predict", b"{}", 404, "Not found"),
], ids=["malformed JSON", "instances and inputs", "not an image", "unknown signature", "not a photo array",
        "body too large", "photo too large", "unknown model"])
def test_bad_requests_get_one_clear_json_error_and_the_server_goes_on(server, path, body, status, message):
    base, _ = server
    answer_status, answer = call(base + path, body)
    assert answer_status == status and message in answer["error"]
    good = json.dumps({"signature_name": "encoded", "instances": [{"b64": b64_file("chelsea.jpg")}]}).encode()
    assert call(base + ":predict", good)[0] == 200


@pytest.mark.slow
@pytest.mark.skipif(not all(pathlib.Path(p).is_file() for p in ("/usr/bin/chromium", "/usr/bin/chromedriver")),
                    reason="Debian's chromium and chromium-driver are absent: run `apt-get install chromium "
                           "chromium-driver` (tests/setup.sh does)")
def test_the_page_colours_a_picked_photo_in_chromium_and_says_when_a_file_is_not_an_image(server, tmp_path):
    # Debian's chromium and chromium-driver (installed by tests/setup.sh), driven headless through selenium.
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    base, path = server
    old_photo = tmp_path / "old_photo.jpg"  # a black-and-white photo: chelsea.jpg in gray, 451 x 300
    gray = tf.image.rgb_to_grayscale(tf.io.decode_jpeg((sources.SAMPLE_DIR / "chelsea.jpg").read_bytes()))
    old_photo.write_bytes(tf.io.encode_jpeg(gray, quality=95).numpy())
    notes = tmp_path / "notes.jpg"
    notes.write_text("not a photo\n")
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1200,1000"):
        options.add_argument(argument)
    browser = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        browser.get(base.split("/v1/")[0] + "/")
        assert browser.title.startswith("tf_colorgan") and "colorgan" in browser.page_source
        browser.find_element(By.ID, "files").send_keys(str(old_photo))
        output = WebDriverWait(browser, 120).until(
            lambda page: page.find_elements(By.CSS_SELECTOR, ".result.done img.output"))[0]
        size = browser.execute_script("return [arguments[0].naturalWidth, arguments[0].naturalHeight]", output)
        assert size == [451, 300]  # the input's own size
        shown = tf.io.decode_png(base64.b64decode(output.get_attribute("src").split(",", 1)[1])).numpy()
        answer = tf.saved_model.load(str(path)).signatures["encoded"](images=tf.constant([old_photo.read_bytes()]))
        assert np.array_equal(shown, tf.io.decode_png(answer["colorized"][0]).numpy())  # what the export answers
        spread = shown.astype(int).max(axis=-1) - shown.astype(int).min(axis=-1)
        assert spread.mean() > 2  # coloured: a gray photo's channels are equal
        download = browser.find_element(By.CSS_SELECTOR, ".result.done a.download")
        assert download.get_attribute("download") == "old_photo_colour.png"
        assert download.get_attribute("href") == output.get_attribute("src")

        browser.find_element(By.ID, "files").send_keys(str(notes))
        failed = WebDriverWait(browser, 60).until(
            lambda page: page.find_elements(By.CSS_SELECTOR, ".result.failed .status"))[0]
        assert "notes.jpg was not coloured" in failed.text and "not an image" in failed.text
        artefacts = ROOT / "build" / "test-artefacts"  # kept after the run (build/ is ignored by git)
        artefacts.mkdir(parents=True, exist_ok=True)
        assert browser.save_screenshot(str(artefacts / "page.png"))
        height, width, _ = tf.io.decode_png(tf.io.read_file(str(artefacts / "page.png"))).shape
        assert width == 1200 and height > 500  # the window, less what headless Chromium keeps for itself
    finally:
        browser.quit()
