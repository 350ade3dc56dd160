"""
Title: Synthetic street numbers
Description: 1-5 digit house numbers drawn on plates and walls, photographed badly, cropped as a person would.

    python -m train.synth --count 200000 --seed 1                  # build the training cache (npz)
    python -m train.synth --count 2000 --seed 3 --no-cache --sheet docs/synth_samples.png --scenes docs/synth_scenes.png

A sample is drawn in four steps, one module each:
1. look.py, sign.py: a sign in its own flat coordinates: plate, digits, nearby letters, border and
   screws, as four masks, in colours and fonts drawn at random;
2. geometry.py: a homography: the wall turned away from the camera, then the crop box a person would
   draw (the digits' union box grown by 10-50 %, off-centre, squeezed to a square as Goodfellow et al. did);
3. textures.py, scene.py: paint: a procedural wall, the masks warped into the view and filled with
   colours and finishes;
4. camera.py: the photograph: light and shadow, occluders, low resolution, blur, noise, JPEG.
Everything is drawn from one numpy Generator, so a seed gives byte-identical images.
cache.py renders many in parallel and caches them; sheets.py draws contact sheets; __main__.py is the
command line.
"""

from train.fonts import load_fonts
from train.synth.cache import GENERATOR_VERSION, cache_path, cached_samples, generate_samples, generate_scenes
from train.synth.scene import (
    LENGTH_WEIGHTS,
    Sample,
    Scene,
    random_number,
    render_crop,
    render_sample,
    render_scene,
    render_scene_with,
    sample_rng,
)

__all__ = [
    "GENERATOR_VERSION",
    "LENGTH_WEIGHTS",
    "Sample",
    "Scene",
    "cache_path",
    "cached_samples",
    "generate_samples",
    "generate_scenes",
    "load_fonts",
    "random_number",
    "render_crop",
    "render_sample",
    "render_scene",
    "render_scene_with",
    "sample_rng",
]
