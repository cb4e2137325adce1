"""`tf-colorgan serve`: a local HTTP server for a colorization export, speaking the part of TensorFlow Serving's
REST API that clients use, so that a client written against it works unchanged against `tensorflow_model_server`.

    pip install -e ".[serve]"
    tf-colorgan serve --model models/sample_lsgan_l1-100_l2-0 --port 8501 --name colorgan

* `GET /` -> a page for people (`page.html`): drop or pick photos, see each coloured beside its input, download
  the result; offline (no CDN), it calls the `encoded` signature below.
* `GET /v1/models/NAME` -> `{"model_version_status": [{"version": "1", "state": "AVAILABLE", ...}]}`.
* `POST /v1/models/NAME:predict` with `{"signature_name": ..., "instances": [...]}` (row format) ->
  `{"predictions": [...]}`, or with `{"inputs": ...}` (columnar) -> `{"outputs": ...}`. Signatures
  (`tf_colorgan.tasks.colorize.export`): `serving_default`, an instance a photo as nested lists [H][W][3] of 0..255
  (one size per request); `encoded`, an instance `{"b64": "<JPEG, PNG, BMP, GIF or WebP>"}`, answered
  `{"b64": "<PNG>"}`.
  An instance may also name the input: `{"images": ...}`.
* Errors answer `{"error": "..."}`: 400 for malformed JSON, an unknown signature, a malformed instance or a string
  that is not an image; 404 for another model or path; 413 for a body over `--max_request_bytes` or a photo over
  `--max_pixels`. The server goes on serving.

Built on werkzeug (requests and responses) and waitress (a multi-threaded WSGI server); the export's signatures
give each photo the same answer in any batch, so concurrent clients cannot change each other's colours.
"""

import base64
import binascii
import html
import io
import json
import pathlib

import numpy as np

MAX_REQUEST_BYTES = 64 << 20
MAX_PIXELS = 50_000_000
PAGE = pathlib.Path(__file__).resolve().parent / "page.html"  # package data; MODEL_NAME stands for the name


class RequestError(Exception):
    """A request the server refuses: the HTTP status and what was wrong."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def _instances(request):
    """(signature name, [instance values], row format?) of a decoded predict request, or `RequestError`."""
    if not isinstance(request, dict) or ("instances" in request) == ("inputs" in request):
        raise RequestError(400, "Invalid request: expected a JSON object with exactly one of 'instances' (row "
                                f"format) or 'inputs' (columnar). Received keys: {sorted(request)[:10]}"
                           if isinstance(request, dict) else "Invalid request: expected a JSON object.")
    row = "instances" in request
    values = request["instances"] if row else request["inputs"]
    if isinstance(values, dict):  # columnar with the input named
        values = values.get("images")
    if row and isinstance(values, list):
        values = [value["images"] if isinstance(value, dict) and "images" in value else value for value in values]
    if not isinstance(values, list) or not values:
        raise RequestError(400, "Invalid request: expected a non-empty list of photos ('images').")
    return request.get("signature_name", "serving_default"), values, row


def _encoded_photo(value, index, max_pixels):
    """The bytes of instance `index` of the `encoded` signature ({"b64": str}), checked to be an image of at most
    `max_pixels` pixels (its header, read with Pillow), or `RequestError`."""
    from PIL import Image, UnidentifiedImageError

    if not isinstance(value, dict) or not isinstance(value.get("b64"), str):
        raise RequestError(400, f"Invalid instance {index}: expected {{\"b64\": \"<base64 image>\"}} for the "
                                "'encoded' signature.")
    try:
        contents = base64.b64decode(value["b64"], validate=True)
        with Image.open(io.BytesIO(contents)) as image:
            width, height = image.size
    except (binascii.Error, ValueError):
        raise RequestError(400, f"Invalid instance {index}: not valid base64.") from None
    except (UnidentifiedImageError, OSError):
        raise RequestError(400, f"Invalid instance {index}: not an image (expected JPEG, PNG, BMP, GIF or WebP).") \
            from None
    if width * height > max_pixels:
        raise RequestError(413, f"Instance {index} is {width} x {height} = {width * height} pixels; the limit is "
                                f"{max_pixels} (--max_pixels).")
    return contents


def _array_photos(values, max_pixels):
    """uint8 [N, H, W, 3] of `serving_default` instances (nested lists of 0..255), or `RequestError`."""
    try:
        photos = np.asarray(values)
    except ValueError:
        photos = np.empty(0)
    if photos.ndim != 4 or photos.shape[-1] != 3 or not np.issubdtype(photos.dtype, np.integer):
        raise RequestError(400, "Invalid instances: expected photos as nested lists [H][W][3] of integers 0..255, "
                                f"all of one size. Received an array of shape {photos.shape} ({photos.dtype}).")
    if photos.min() < 0 or photos.max() > 255:
        raise RequestError(400, "Invalid instances: values must be integers 0..255.")
    if photos.shape[1] * photos.shape[2] > max_pixels:
        raise RequestError(413, f"The photos are {photos.shape[2]} x {photos.shape[1]} pixels; the limit is "
                                f"{max_pixels} (--max_pixels).")
    return photos.astype(np.uint8)


class ColorizationServer:
    """The WSGI application serving one export under `name`."""

    def __init__(self, export_dir, name="colorgan", max_request_bytes=MAX_REQUEST_BYTES, max_pixels=MAX_PIXELS):
        import tensorflow as tf

        self.tf = tf
        self.signatures = tf.saved_model.load(str(export_dir)).signatures
        self.name, self.max_request_bytes, self.max_pixels = name, max_request_bytes, max_pixels
        self.page = PAGE.read_text().replace("MODEL_NAME", html.escape(name))

    def predict(self, body):
        """The JSON answer to a predict request's body (bytes), or `RequestError`."""
        try:
            request = json.loads(body)
        except (ValueError, UnicodeDecodeError) as error:
            raise RequestError(400, f"Malformed JSON: {error}") from None
        name, values, row = _instances(request)
        if name not in self.signatures:
            raise RequestError(400, f"Invalid signature_name {name!r}: this model has {sorted(self.signatures)}.")
        if name == "encoded":
            photos = [_encoded_photo(value, index, self.max_pixels) for index, value in enumerate(values)]
            try:
                outputs = self.signatures[name](images=self.tf.constant(photos))["colorized"].numpy()
            except self.tf.errors.InvalidArgumentError as error:
                raise RequestError(400, f"Invalid instances: {error.message.splitlines()[0]}") from None
            answers = [{"b64": base64.b64encode(png).decode("ascii")} for png in outputs]
        else:
            photos = _array_photos(values, self.max_pixels)
            answers = self.signatures[name](images=self.tf.constant(photos))["colorized"].numpy().tolist()
        return {"predictions": answers} if row else {"outputs": answers}

    def respond(self, method, path, length, read_body):
        """(HTTP status, JSON-serialisable answer) of one request."""
        status_path, predict_path = f"/v1/models/{self.name}", f"/v1/models/{self.name}:predict"
        try:
            if method == "GET" and path.rstrip("/") == status_path:
                return 200, {"model_version_status": [{"version": "1", "state": "AVAILABLE",
                                                       "status": {"error_code": "OK", "error_message": ""}}]}
            if method == "POST" and path == predict_path:
                if length is None:
                    raise RequestError(411, "Length required: send the body with a Content-Length header.")
                if length > self.max_request_bytes:
                    raise RequestError(413, f"The request body is {length} bytes; the limit is "
                                            f"{self.max_request_bytes} (--max_request_bytes).")
                return 200, self.predict(read_body())
            raise RequestError(404, f"Not found: {method} {path}. This server answers GET / (the page), GET "
                                    f"{status_path} and POST {predict_path}.")
        except RequestError as error:
            return error.status, {"error": str(error)}

    def __call__(self, environ, start_response):
        from werkzeug.wrappers import Request, Response

        request = Request(environ)
        if request.method == "GET" and request.path == "/":
            return Response(self.page, mimetype="text/html")(environ, start_response)
        status, answer = self.respond(request.method, request.path, request.content_length,
                                      lambda: request.get_data(cache=False))
        return Response(json.dumps(answer), status=status, mimetype="application/json")(environ, start_response)


def serve(export_dir, host="127.0.0.1", port=8501, name="colorgan", max_request_bytes=MAX_REQUEST_BYTES,
          max_pixels=MAX_PIXELS, threads=4):
    """Serves the export until interrupted (waitress, `threads` worker threads)."""
    try:
        import waitress
    except ImportError:
        raise ValueError("`tf-colorgan serve` needs the serve extra: pip install -e '.[serve]' (waitress).") from None
    application = ColorizationServer(export_dir, name, max_request_bytes, max_pixels)
    print(f"Serving {export_dir} as '{name}' on http://{host}:{port}/v1/models/{name}", flush=True)
    # waitress refuses (plain 413) only bodies over twice the limit; the application answers the others in JSON
    waitress.serve(application, host=host, port=port, threads=threads, max_request_body_size=2 * max_request_bytes,
                   ident="tf-colorgan")
