"""`tf-colorgan serve`: a real server process on 127.0.0.1, real HTTP requests (TensorFlow Serving's REST API)."""

import base64
import concurrent.futures
import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import numpy as np
import pytest
import tensorflow as tf

from tf_colorgan import data, export, networks


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
    return base64.b64encode((data.SAMPLE_DIR / name).read_bytes()).decode("ascii")


@pytest.fixture(scope="module")
def server(module_tmp_path):
    """(base URL, export folder): `tf-colorgan serve` on a width-8 colorizer's export, with small limits."""
    generator = networks.unet_generator(width=8)
    generator(data.eval_pairs(data.make_split("sample", 0), 256, 4)[0], training=True)  # move the moving averages
    path = module_tmp_path / "export"
    export.export_colorizer(generator, 256, path)
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "tf_colorgan.cli", "serve", "--model", str(path), "--port",
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
    photo = tf.io.decode_jpeg((data.SAMPLE_DIR / "coffee.jpg").read_bytes())
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
