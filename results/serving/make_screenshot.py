"""results/serving/page.png: the page of `tf-colorgan serve` colouring a true black-and-white photo (a Solvay tile)
and a held-out photo made gray, with the study's EBGAN-L1 run re-exported from its checkpoint (its export predates
the `encoded` signature the page calls). Run from the repository root after the study and
`python data/build_photos.py`, with Debian's chromium and chromium-driver and selenium installed:

    python results/serving/make_screenshot.py

Made on 2026-12-02 on the AVX2-only kind (2 cores); the PNG was then downscaled to 75% to keep it small.
"""
import pathlib
import socket
import subprocess
import sys
import time
import urllib.request

import tensorflow as tf
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tf_colorgan.evaluation import trained_runs
from tf_colorgan.tasks.colorize import export

run = pathlib.Path("models/figure6/train_ebgan_l1-100_l2-0")
config, generator = trained_runs.trained_generator(run)
export.export_colorizer(generator, config.size, "/tmp/shot/export")
photo = tf.io.decode_png(tf.io.read_file("data/photos/heldout/sklearn_china.png"), channels=3)
gray = tf.io.encode_jpeg(tf.image.rgb_to_grayscale(photo), quality=95)
pathlib.Path("/tmp/shot/china_gray.jpg").write_bytes(gray.numpy())
with socket.socket() as probe:
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
server = subprocess.Popen([sys.executable, "-m", "tf_colorgan.serving", "serve", "--model", "/tmp/shot/export",
                           "--port", str(port)])
for _ in range(240):
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models/colorgan")
        break
    except Exception:
        time.sleep(0.5)
options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1100,1100"):
    options.add_argument(argument)
browser = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
try:
    browser.get(f"http://127.0.0.1:{port}/")
    for path in ("data/photos/solvay/solvay_x116_y0.png", "/tmp/shot/china_gray.jpg"):
        done = len(browser.find_elements(By.CSS_SELECTOR, ".result.done"))
        browser.find_element(By.ID, "files").send_keys(str(pathlib.Path(path).resolve()))
        WebDriverWait(browser, 300).until(lambda page: len(page.find_elements(By.CSS_SELECTOR, ".result.done")) > done)
    browser.save_screenshot("results/serving/page.png")
finally:
    browser.quit()
    server.terminate()
