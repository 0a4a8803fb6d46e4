"""Reading QR codes from a photo or a scan (PNG, JPEG): Pillow decodes the file, zxing-cpp finds the codes.

No Django. Images are bounded before decoding (bytes and pixels), so a hostile upload costs little.
"""

from __future__ import annotations

import io
import warnings
from typing import Final

MAX_IMAGE_BYTES: Final = 20 * 1024 * 1024
MAX_PIXELS: Final = 40_000_000  # a 48-megapixel phone photo is downscaled before this matters; bombs stop here
FORMATS: Final = frozenset({"PNG", "JPEG", "WEBP", "GIF", "BMP", "TIFF"})


class ImageProblem(ValueError):
    """The file is not an image we can read, or holds no QR code; messages in Chinese and English."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.message_zh = zh
        self.message_en = en


def qr_texts(data: bytes) -> list[str]:
    """Every QR code's text in the image, in reading order; ImageProblem when there is none."""
    import zxingcpp
    from PIL import Image, UnidentifiedImageError

    if len(data) > MAX_IMAGE_BYTES:
        raise ImageProblem("图片过大（最多 20 MB）。", "The image is too large (20 MB at most).")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in FORMATS:
                raise ImageProblem("不支持此图片格式：请用 PNG 或 JPEG。", "Unsupported image format: use PNG or JPEG.")
            if image.width * image.height > MAX_PIXELS:
                raise ImageProblem("图片像素过多。", "The image has too many pixels.")
            image.load()
    except ImageProblem:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageProblem(
            "无法读取图片：请上传 PNG 或 JPEG 文件。", "The image cannot be read: use a PNG or JPEG file."
        ) from None
    gray = image.convert("L")
    qr_only = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    found = zxingcpp.read_barcodes(gray, formats=qr_only)
    if not found and max(gray.size) > 2000:
        # zxing-cpp downscales by itself, but a small code in a large photo reads better at a moderate size.
        gray.thumbnail((2000, 2000))
        found = zxingcpp.read_barcodes(gray, formats=qr_only)
    texts = [barcode.text for barcode in found if barcode.valid and barcode.text]
    if not texts:
        raise ImageProblem(
            "图片中没有找到二维码：请拍清楚、拍完整，避免反光后重试。",
            "No QR code found in the image: take a sharper, complete photo without glare and try again.",
        )
    return texts
