"""A photo's renditions: the sizes visitors' browsers choose from (``srcset``).

Each is a WebP image made with Pillow from the uploaded original, turned upright
by its EXIF orientation, at :data:`WIDTHS` that are narrower than the original and
at the original's own width up to the largest: never enlarged. Only the colour
profile is carried over; EXIF (camera, time, GPS position) and XMP are left
behind. Visitors are only ever sent renditions, never the original.
"""

import io

from django.core.files.base import ContentFile
from PIL import Image, ImageOps

#: The widths made, in pixels: a phone, a page column, a large screen.
WIDTHS = (480, 960, 1600)
WEBP_QUALITY = 80


def widths_for(original_width):
    """The rendition widths for an original ``original_width`` pixels wide."""
    largest = min(original_width, WIDTHS[-1])
    return sorted({*(width for width in WIDTHS if width < largest), largest})


def upright(image):
    """The picture as it is meant to be seen, in a mode WebP can hold."""
    image = ImageOps.exif_transpose(image)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    mode = "RGBA" if has_alpha else "RGB"
    return image if image.mode == mode else image.convert(mode)


def make_renditions(source, storage, stem):
    """Write the renditions of the image in ``source`` (a file) to ``storage`` as
    ``<stem>-<width>.webp``; return their descriptions, narrowest first."""
    source.seek(0)
    made = []
    with Image.open(source) as original:
        profile = original.info.get("icc_profile")
        picture = upright(original)
        for width in widths_for(picture.width):
            height = max(1, round(picture.height * width / picture.width))
            resized = (
                picture
                if width == picture.width
                else picture.resize((width, height), Image.Resampling.LANCZOS)
            )
            out = io.BytesIO()
            options = {"quality": WEBP_QUALITY, "method": 4}
            if profile:
                options["icc_profile"] = profile
            # A new image has no EXIF or XMP of its own; none is passed on.
            resized.save(out, "WEBP", exif=b"", xmp=b"", **options)
            name = storage.save(f"{stem}-{width}.webp", ContentFile(out.getvalue()))
            made.append(
                {"width": width, "height": height, "name": name, "size": out.tell()}
            )
    source.seek(0)
    return made
