# The README's two commands are `make run` and `make test`; both set up what they need.
PY := .venv/bin/python
PYTEST_ARGS ?=
REAL_DIR ?= ../shared/data/svhn/train_sample

.PHONY: segmentation-study box-variants-study strip-heights-study setup setup-run run test lint lock screenshots load-test train-mnist train-house train-localizer train-number-reader train-stroke-reader evaluate-house evaluate-real real-sheet synth synth-sheets paper-sheet evaluate-paper evaluate-handwriting handwriting-sheet train-handwriting-reader train-paper-reader export report optimizer-study evaluate export-tflite bench bench-page bench-train bench-serving bench-photo bench-lighthouse compose-sheet real-mixes-study

# Serving needs the runtime only: no Chromium, no fonts, no training packages.
setup-run:
	@scripts/setup.sh run

# Training, tests and everything else: the train and dev extras, fonts and Chromium too.
setup:
	@scripts/setup.sh all

run: setup-run
	$(PY) server.py $(ARGS)

test: setup
	$(PY) -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

# The README's screenshots (docs/screenshot_*.png); tests alone write theirs to a temporary folder.
screenshots: setup
	SCREENSHOT_DIR=docs $(PY) -m pytest tests/browser -k screenshot $(PYTEST_ARGS)

# requirements.txt from pyproject.toml's lists, by pip-tools in a venv of its own (its `build` needs a newer
# `packaging` than tensorflowjs allows, so it cannot share .venv). Existing pins are kept unless UPGRADE=1.
lock:
	python3 -m venv cache/lock-tools && cache/lock-tools/bin/pip install -q --disable-pip-version-check pip-tools
	cache/lock-tools/bin/pip-compile --quiet --all-extras --strip-extras --no-emit-index-url --no-emit-find-links \
		$(if $(UPGRADE),--upgrade) --output-file requirements.txt pyproject.toml

# The full load test: `python server.py` (waitress) on loopback, 2,000 mixed requests from 50 clients,
# then 1,000 predictions for memory; prints p50/p99 latency, throughput and RSS (about a minute on 2 cores).
load-test: setup
	LOAD_REQUESTS=2000 $(PY) -m pytest tests/test_load.py $(PYTEST_ARGS)

lint: setup
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

# Full training on CPU, in two stages as the committed models were made: MNIST and pen digits from scratch
# (about 32 min for the CNN, 3 for the MLP on 2 cores), then (issue 29) 8 epochs more with the real DIDA and
# NSYSU training digits mixed in (about 20 min and 2), saved as a blend with the first stage's weights (the
# CNN keeps 0.7 of the fine-tune, the largest share that kept MNIST test at 99.6 %; the MLP 0.5, which kept
# its MNIST and pen figures), then export and reports. The committed models' second stage read the real digits
# as the digit route did then (the border's level for the paper); run again, it reads them as today's route
# does (reader/digit_input.py: the paper's own level).
train-mnist: setup
	$(PY) -m train.mnist --model cnn --no-handwriting --out-dir runs/mnist_stage1
	$(PY) -m train.mnist --model mlp --no-handwriting --out-dir runs/mnist_stage1
	$(PY) -m train.mnist --model cnn --init-from runs/mnist_stage1/mnist_cnn.keras --epochs 8 --lr 5e-4 --blend 0.7
	$(PY) -m train.mnist --model mlp --init-from runs/mnist_stage1/mnist_mlp.keras --epochs 8 --lr 2e-4 --blend 0.5
	$(MAKE) export report

# Generated street numbers: 120k training crops + 10k held out (about 10 min on 2 cores, ~1.6 GB in cache/),
# then the six-head reader (about an hour on 2 CPU cores; the same command uses every GPU where there are some).
synth: setup
	$(PY) -m train.synth --count 10000 --seed 2
	$(PY) -m train.synth --count 120000 --seed 1

synth-sheets: setup
	$(PY) -m train.synth --count 2000 --seed 1 --no-cache --sheet docs/synth_samples.png --scenes docs/synth_scenes.png

# Three stages, as the committed model was made: 10 epochs from scratch, then 9 epochs of
# fine-tuning at a lower learning rate and dropout (the first stage still underfits; a third
# cycle at 5e-4 was measured and did not help: 96.36 % against 96.45 %).
# Third (issues 17 and 24), real photos: the 1,200 real training photos of ../shared/data/svhn/train_sample, 8 crops
# each (the annotated box and 7 loose ones), shown twice per epoch, and 24,000 numbers spliced from their digits
# (train/compose.py), among 16,000 generated crops, with --augment: 8 epochs at 5e-4, about 16 minutes on 2
# CPU cores (the committed reader: `make real-mixes-study`'s runs/house_compose8, from stage 2's reader). A run
# cut short goes on with `python -m train.house --resume runs/house` (its checkpoints are there).
# The real-photo stage's data and schedule, shared with real-mixes-study.
MIX_ARGS = --real-dir $(REAL_DIR) --train-count 16000 --box-jitter 8 --real-oversample 2 --augment --epochs 8 \
	--lr 5e-4 --dropout 0.1
train-house: synth
	$(PY) -m train.house --out-dir runs/house_stage1 $(ARGS)
	$(PY) -m train.house --init-from runs/house_stage1/house.keras --epochs 9 --lr 1e-3 --dropout 0.1 \
		--out-dir runs/house_stage2 $(ARGS)
	$(PY) -m train.house --init-from runs/house_stage2/house.keras $(MIX_ARGS) --compose 24000 $(ARGS)
	$(PY) -m export.tfjs --model house
	$(PY) -m export.tflite --model house
	$(PY) -m train.evaluate_real --data-dir $(REAL_DIR)

# The localizer the photo page uses to find the number: 4,000 generated street scenes (three views each,
# about 18 min on 2 cores, 1.8 GB in cache/), then 8 epochs (about 11 min on 2 CPU cores), evaluated on
# 300 held-out scenes with the reader. Then (issue 17) 5 epochs more with the 1,200 real training photos
# mixed in (two draws of three views each, seen twice per epoch; about 8 min an epoch on 2 cores), which
# also measures the box found on the real validation photos; then exported, and the real figures read
# again with the reader. The committed localizer is the checkpoint after the 3rd of those 5 epochs, from
# the committed scenes-only localizer (the run was stopped for time; `--evaluate-only --real-dir DIR
# --trained-in runs/loc_real` recorded its figures, with a null training record as the run wrote none).
train-localizer: setup
	$(PY) -m train.scenes --count 4000 --seed 11
	$(PY) -m train.localizer --out-dir runs/localizer_scenes
	$(PY) -m train.localizer --init-from runs/localizer_scenes/localizer.keras --real-dir $(REAL_DIR) \
		--epochs 5 --lr 1e-3
	$(PY) -m export.tfjs --model localizer
	$(PY) -m train.evaluate_real --data-dir $(REAL_DIR)

# Number mode's whole-number reader, as the committed one was made: trace 60,000 MNIST training digits
# into strokes (cached in cache/), compose 30,000 numbers of 1-8 digits (12 min on 2 cores) and train
# 15 epochs (19 min); then 60,000 more numbers and 6 epochs on all 90,000, each number resized and shifted
# a little every epoch (17 min, into runs/number_stage2); then the paper stage (train-paper-reader,
# into models/) and the export.
train-number-reader: setup
	$(PY) -m train.numbers
	$(PY) -m train.number_reader --no-distort --out-dir runs/number_stage1
	$(PY) -m train.number_reader --init-from runs/number_stage1/number_reader.keras --extra-count 60000 --epochs 6 \
		--lr 1e-3 --out-dir runs/number_stage2
	$(MAKE) train-paper-reader

# The stroke reader (issue 25): trace MNIST's 55,000 training digits into strokes (cached in cache/, about 5 min),
# draw the training writers' pen trajectories 12 ways each and each traced digit twice, train 30 epochs (32 min on
# 2 cores; resumable: ARGS=--resume), choose its weight beside the image CNN on the held-out writers and traced
# MNIST validation digits, and export it.
train-stroke-reader: setup
	$(PY) -m train.stroke_reader $(ARGS)
	$(PY) -m export.tfjs --model stroke_reader

# Paper: hard cases before and after the background normalisation (docs/paper_preprocessing.png), and the
# number reader measured on 400 held-out paper numbers (other writers, other paper styles), on 400 validation
# paper numbers and on 500 clean ones.
paper-sheet: setup
	$(PY) -m train.paper --sheet docs/paper_preprocessing.png

evaluate-paper: setup
	$(PY) -m train.paper

# The paper stage (issue 16) of the committed reader, in two runs. First: trace the paper bank (30,000 MNIST
# digits and the pen writers, about 9 min on 2 cores), make 16,000 paper and 16,000 canvas numbers (cached in
# chunks of 250, about 40 min), fine-tune the canvas reader of runs/number_stage2 6 epochs at 4e-4 on them (30 min
# on 2 cores; runs/paper5). Second: 8,000 paper numbers more (13 min), and 4 epochs at 2e-4 on all 40,000 from
# the first run's weights (28 min). The committed model is that second run, made into runs/paper6 and saved here
# with `--init-from runs/paper5/number_reader.keras --blend 1 --blend-tuned runs/paper6/number_reader.keras
# --val-count 500` (a share of 1 keeps the fine-tune's weights as they are, with its training record). Both runs
# trained on strips made before the paper's lightness was divided out (PAPER_VERSION 3); run again, they train on
# today's strips. Of the first run blended with the canvas reader at 0.5/0.7/0.85/1 (WiSE-FT, --blend), 1 read the
# most validation numbers, paper and canvas together (README, "Numbers on paper").
train-paper-reader: setup
	$(PY) -m train.number_reader --init-from runs/number_stage2/number_reader.keras --paper-count 16000 \
		--train-count 16000 --val-count 500 --epochs 6 --lr 4e-4 --out-dir runs/paper5
	$(PY) -m train.number_reader --init-from runs/paper5/number_reader.keras --paper-count 24000 \
		--train-count 16000 --val-count 500 --epochs 4 --lr 2e-4
	$(PY) -m train.paper --record
	$(PY) -m export.tfjs --model number_reader

# Real handwriting (issue 29), as the committed reader was made from the paper reader before it (first:
# git show e69ff87:models/number_reader.keras > runs/number_committed.keras). 1: 6 epochs at 3e-4 on the 20,460
# parish training numbers, 5,000 long numbers joined from them, 16,000 canvas and 3,500 paper numbers (14 min on
# 2 cores, after about 20 min making the strips). 2: 8 epochs at 5e-4 with the parish numbers twice and 8,000
# joined (26 min), kept as a 0.5 blend with the reader before (the reader of 3ef0363). 3: two context blocks on
# that blend, 6 epochs at 5e-4 on the same mix (63 min). 4: 3 epochs at 3e-4 with the parish numbers once and
# the strips of 4,000 images with no number in them, labelled empty (22 min). The committed reader is the 0.4
# blend of the last with the reader of step 2, its context blocks switched off. Then the paper and real figures
# are recorded and the page's and the CLI's exports made. A step cut short goes on with
# `python -m train.number_reader --resume runs/parish3` (or parish4, parish6, parish7).
train-handwriting-reader: setup
	$(PY) -m train.number_reader --init-from runs/number_committed.keras --parish --joined 5000 \
		--train-count 16000 --paper-count 3500 --val-count 500 --epochs 6 --lr 3e-4 --out-dir runs/parish3
	$(PY) -m train.number_reader --init-from runs/parish3/number_reader.keras --parish --parish-copies 2 \
		--joined 8000 --train-count 16000 --paper-count 3500 --val-count 500 --epochs 8 --lr 5e-4 --out-dir runs/parish4
	$(PY) -m train.number_reader --init-from runs/number_committed.keras --blend 0.5 \
		--blend-tuned runs/parish4/number_reader.keras --val-count 500 --out-dir runs/parish4_b0.5
	$(PY) -m train.number_reader --init-from runs/parish4_b0.5/number_reader.keras --context-blocks 2 --parish \
		--parish-copies 2 --joined 8000 --train-count 16000 --paper-count 3500 --val-count 500 --epochs 6 --lr 5e-4 \
		--out-dir runs/parish6
	$(PY) -m train.number_reader --init-from runs/parish6/number_reader.keras --parish --joined 8000 \
		--not-numbers 4000 --train-count 16000 --paper-count 3500 --val-count 500 --epochs 3 --lr 3e-4 --out-dir runs/parish7
	$(PY) -m train.number_reader --init-from runs/parish4_b0.5/number_reader.keras --blend 0.4 --context-blocks 2 \
		--blend-tuned runs/parish7/number_reader.keras --val-count 500
	$(PY) -m train.paper --record
	$(PY) -m train.evaluate_handwriting
	$(PY) -m export.tfjs --model number_reader
	$(PY) -m export.tflite --model number_reader

evaluate-house: setup
	$(PY) -m train.house --evaluate-only

# The real measure (issue 17): the committed reader on the 302 real SVHN validation photos of
# ../shared/data/svhn/train_sample (file numbers 1201 and up), with the annotated box, three loose boxes
# each, and no box (the localizer finds it), as the CLI reads them; into models/metrics.json "house_real".
evaluate-real: setup
	$(PY) -m train.evaluate_real --data-dir $(REAL_DIR)

# Real handwriting (issue 29): the committed readers on the fixed validation parts of ../shared/data/handwriting
# (every digit-only parish number, a tenth of DIDA, the NSYSU held-out writers), read as the CLI reads them;
# prints each misread and a summary per set and reader, and records them in models/metrics.json (about 3 min).
evaluate-handwriting: setup
	$(PY) -m train.evaluate_handwriting

# Real parish validation scans, their ink with the number's box, and the strip the reader reads
# (docs/handwriting_preprocessing.png).
handwriting-sheet: setup
	$(PY) -m train.handwriting_sheet

# Real validation crops beside generated ones (docs/svhn_real_vs_generated.png).
real-sheet: setup
	$(PY) -m train.compare_sheet

export: setup
	$(PY) -m export.tfjs

# TFLite for native apps and for the API and the CLI, which read it with LiteRT (no TensorFlow): float16 and
# int8 of the five models into models/tflite/, each measured with the LiteRT interpreter; metrics.json's
# "served" names the file the server reads. About 15 min on 2 cores the first time (the localizer's scenes
# are rendered, then cached). Run it after retraining: the API and the CLI read only these files.
export-tflite: setup
	$(PY) -m export.tflite

# The photo page's reading of a 1600x1200 photo on WASM in Chromium, now and as the crop modules were at
# BEFORE (a git ref), taking turns: box read, found and read, the crop alone (about 2 minutes).
BEFORE ?= 5d92453  # the last commit that cropped with tensor ops
bench-photo: setup
	$(PY) -m bench.photo_reading --before $(BEFORE)

# Time from `python server.py` to its first /api/predict answer, and its memory (three cold starts).
bench-serving: setup
	$(PY) -m bench.serving --runs 3

report: setup
	$(PY) -m studies.report

optimizer-study: setup
	$(PY) -m studies.optimizer_study

# Number mode's boxes, segmentation against the number reader's frames, on 300 composed numbers (5 min).
segmentation-study: setup
	$(PY) -m studies.segmentation_boxes

# The box variants the photo page reads around the found box, and how they vote, on 600 real training
# photos and the 302 validation ones (about 10 and 5 min on 2 cores; docs/box_variants_*.json); then a
# person's box (true and loose) on 200 generated held-out scenes, read alone or with the variants voting.
box-variants-study: setup
	$(PY) -m studies.box_variants --data-dir $(REAL_DIR)
	$(PY) -m studies.box_variants --data-dir $(REAL_DIR) --part validation
	$(PY) -m studies.box_variants --given-scenes 200

# The ink heights a written number is read at, and their vote (reader/preprocess.py STRIP_INK_HEIGHTS), chosen
# on 1,000 validation numbers on paper and 1,000 on the canvas, never on the paper test set (docs/strip_heights.json).
# They were chosen with the reader before the second paper stage: MODEL=runs/paper3_blend/number_reader.keras, made
# with `python -m train.number_reader --init-from runs/number_stage2/number_reader.keras --blend 0.5 --blend-tuned
# runs/paper3/number_reader.keras --out-dir runs/paper3_blend`. Without MODEL, the committed reader: that is the run
# in docs/strip_heights.json (its best set and the shipped one tie on all the validation numbers; README).
MODEL ?= models/number_reader.keras
strip-heights-study: setup
	$(PY) -m studies.strip_heights --count 1000 --model $(MODEL)

evaluate: setup
	$(PY) -m train.evaluate

# Ours against the reference labs' models (issue 7): trains the references once on this CPU
# (cached in cache/bench/; the 905k CNN takes 40+ min on 2 cores), exports all to TF.js, times them
# in headless Chromium, writes docs/benchmarks.{md,json,png}. RETRAIN=1 trains the references again.
bench: setup
	$(PY) -m bench.run $(if $(RETRAIN),--retrain) $(ARGS)

# The drawing page's own time to first prediction (new visitors, headless Chromium, loopback): a minute or two.
# The house reader's training speed (issue 24): samples/s of the model alone, of the input pipeline alone and
# of the two together, on the real-photo stage's data; writes docs/training_speed.json and its section in
# docs/benchmarks.md (about 3 minutes).
bench-train: setup
	$(PY) -m bench.training --record $(ARGS)

# What each kind of training data gives on the real validation photos (issue 24): from the reader trained on
# generated crops alone, 8 epochs with the real training photos, then the same with 24,000 numbers spliced from
# their digits; each run scored by train.evaluate_real into its own folder, the table into docs/real_mixes.json
# (about 45 minutes on 2 CPU cores).
real-mixes-study: setup
	mkdir -p runs/house_generated
	git show 3951b98:models/house.keras > runs/house_generated/house.keras
	$(PY) -m train.evaluate_real --model-file runs/house_generated/house.keras --out-dir runs/house_generated
	$(PY) -m train.house --init-from runs/house_generated/house.keras $(MIX_ARGS) --out-dir runs/house_real8
	$(PY) -m train.evaluate_real --model-file runs/house_real8/house.keras --out-dir runs/house_real8
	$(PY) -m train.house --init-from runs/house_generated/house.keras $(MIX_ARGS) --compose 24000 \
		--out-dir runs/house_compose8
	$(PY) -m train.evaluate_real --model-file runs/house_compose8/house.keras --out-dir runs/house_compose8
	$(PY) -m studies.real_mixes

# Real training crops beside numbers spliced from the same photos' digits (docs/svhn_compositions.png).
compose-sheet: setup
	$(PY) -m train.compose --sheet docs/svhn_compositions.png

bench-page: setup
	$(PY) -m bench.page $(ARGS)

# Lighthouse (npm's, mobile preset) on both pages in Debian's Chromium, served by `python server.py`: the median of
# three runs of Performance, Accessibility, Best Practices, SEO and Total Blocking Time per page (about 2 minutes).
# ARGS=--record writes docs/lighthouse.json and its section in docs/benchmarks.md.
bench-lighthouse: setup
	$(PY) -m bench.lighthouse $(ARGS)
