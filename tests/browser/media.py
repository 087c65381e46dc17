"""A photo for image posts, drawn at test time so no binary lives in the repository and
no test needs the network: a dusk landscape, sky gradient, sun and three ranges of hills."""
import math

from PIL import Image, ImageDraw

SKY_TOP, SKY_BOTTOM = (38, 52, 110), (246, 176, 120)
HILLS = [((120, 92, 120), 0.55, 40), ((74, 60, 96), 0.68, 55), ((36, 32, 58), 0.82, 70)]


def write_landscape(path, size=(1200, 750)):
    width, height = size
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    for y in range(height):
        t = y / height
        draw.line([(0, y), (width, y)], fill=tuple(round(a + (b - a) * t) for a, b in zip(SKY_TOP, SKY_BOTTOM)))
    draw.ellipse([width * 0.62, height * 0.30, width * 0.62 + 150, height * 0.30 + 150], fill=(255, 222, 160))
    for index, (colour, level, amplitude) in enumerate(HILLS):
        ridge = [
            (x, height * level + amplitude * math.sin(x / (90 + 40 * index) + index * 2.1))
            for x in range(0, width + 10, 10)
        ]
        draw.polygon(ridge + [(width, height), (0, height)], fill=colour)
    image.save(path, "JPEG", quality=85)
    return path
