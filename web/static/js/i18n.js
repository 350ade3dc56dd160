// Every sentence, label and status the pages show, in English and in Russian (one table per
// language, the same keys in each), which language a page speaks, and how it gets there: the
// person's own choice kept in localStorage, else the first of navigator.languages that has a
// table, else English. Both tables live in this one module, so the service worker that caches
// the scripts (pwa.py) caches both languages.
//
// The templates write English and mark each element with its key (data-i18n="key" for the text,
// data-i18n-attr="aria-label:key" for attributes); the scripts write through setMessage, which
// keeps the key (and its data-i18n-params) on the element. A switch of language then rewrites
// every marked element in place, statuses and errors included, without a reload. Touches
// <html lang>, the marked elements and the #language-select switch; never calls tf. Node can
// import it (the tests read the tables): it touches the page only where there is one.

export const DEFAULT_LANGUAGE = 'en';
const STORAGE_KEY = 'digit-reader:language'; // localStorage: the language the person picked

// {name} in a sentence is a parameter; a parameter may itself be a message ({key, params}) or a
// list of them, so that "297 KB" and "9 ms on wasm" come out in the same language as their sentence.
export const MESSAGES = {
  en: {
    // both pages
    'nav.label': 'Pages',
    'nav.draw': 'Draw',
    'nav.photo': 'House number',
    'language.label': 'Language (Язык)',
    'update.ready': 'A new version of the app is ready.',
    'update.reload': 'Reload',
    'load.bar': 'Model download',
    'load.offline': '· ready offline',
    'load.downloading': 'Downloading the models: {amount} ({percent}%)',
    'load.amount': '{loaded} of {total}',
    'load.done': 'Models loaded: {size}',
    'bytes.kb': '{n} KB',
    'bytes.mb': '{n} MB',
    'reading.heading': 'Reading',
    'reading.sure': '{percent} sure',
    'reading.digits': 'Each digit read, left to right',
    'backend.label': 'TF.js backend:',
    'backend.loading': 'loading…',
    'backend.none': 'none',
    'backend.why': '({why})',
    'backend.timing': 'starts fastest; timing the others…',
    'backend.only': 'the only one that started here',
    'backend.onPage': '· reading on the page itself: this browser cannot read in a worker',
    'backend.faster': 'faster here: {ms} ms vs {slower}',
    'backend.msOn': '{ms} ms on {name}',
    'status.cannotStart': 'The reader cannot start.',
    'error.plain': '{message}',
    'error.vendorMissing':
      'TF.js is missing from the server ({files} not in web/static/vendor/). ' +
      'Run npm ci in the project folder, then reload.',
    'error.tfMissing':
      'TF.js did not load (vendor/tf-base.min.js is missing or failed). Run `npm ci` on the server and reload.',
    'error.tfStart': 'TF.js could not start: {message}',
    'error.notImage': '“{name}” is not an image this browser can open. Choose a JPEG, PNG or WebP photo.',
    // the drawing page
    'draw.title': 'Digit reader',
    'draw.description':
      'Draw a digit or write a number, and a neural network reads it in your browser, offline too.',
    'draw.intro':
      'Draw one digit, 0 to 9, or write a whole number. A neural network reads it right here in your browser.',
    'draw.section': 'Drawing',
    'draw.mode': 'Read',
    'draw.modeDigit': 'One digit',
    'draw.modeNumber': 'A whole number',
    'draw.canvas': 'Drawing area',
    'draw.help':
      'Draw with a mouse, pen or finger. With a mouse, the wheel changes the brush and the right button erases.',
    'draw.keys': 'Keys on the drawing area:',
    'draw.keyClear': 'clears',
    'draw.keyEraser': 'toggles the eraser',
    'draw.keyUndo': 'undoes',
    'draw.numberCanvas': 'Drawing area for a number',
    'draw.photoInput': 'Open a photo of a written number',
    'draw.photoInk': 'The ink read from your photo, paper taken out, with a box around each digit',
    'draw.photoCaption': "The ink read from the photo, paper and lines taken out, and each digit's box",
    'draw.tools': 'Drawing tools',
    'draw.clear': 'Clear',
    'draw.undo': 'Undo',
    'draw.eraser': 'Eraser',
    'draw.brush': 'Brush',
    'draw.thin': 'Thin',
    'draw.medium': 'Medium',
    'draw.thick': 'Thick',
    'draw.model': 'Model',
    'draw.predict': 'Predict',
    'draw.bars': 'Probability of each digit',
    'draw.preview': 'The 28 by 28 image the model reads',
    'draw.previewCaption': 'What the model sees (28×28)',
    'draw.loading': 'Loading the model…',
    'draw.loadingNamed': 'Loading the {name} model…',
    'draw.empty': 'Draw a digit in the box.',
    'draw.readDigit': 'Read as {digit}. Clear to draw another digit.',
    'draw.disagree': 'The shape reads {shape}, the movement reads {movement}.',
    'draw.emptyNumber': 'Write a number, 1 to 8 digits in a row, in the wide box.',
    'draw.readNumber': 'Read as {number}. Clear to write another number.',
    'draw.noDigit': 'No digit made out in this ink: write the digits larger, side by side.',
    'draw.modelFailed': 'The model could not be loaded.',
    'draw.readingPhoto': 'Reading {name}…',
    'draw.readPhoto': 'Read {name} as {number}.',
    'error.numberReader': 'Could not load the number reader ({message}): numbers are read digit by digit.',
    'error.reading': 'Reading failed: {message}',
    'error.model': 'Could not load the model "{name}": {message}',
    'error.blankPhoto': 'No writing found in “{name}”: the page looks blank.',
    'error.noNumberPhoto':
      'No number could be read in “{name}”: ink found, but no digit could be made out in it (too faint, too small, ' +
      'or only lines and specks). Crop the photo to the number and try again.',
    // the house-number page
    'photo.title': 'House number reader',
    'photo.description':
      'Photograph a house number and your browser finds and reads it; the photo never leaves your device.',
    'photo.intro': 'Photograph a house number, or open a photo, and the page finds the number and reads it.',
    'photo.privacy': 'Your photo stays on this device: it is opened and read by this browser, and never uploaded.',
    'photo.section': 'Photo',
    'photo.pick': 'Take or choose a photo',
    'photo.drop': 'or drop one here',
    'photo.canvas': 'Your photo; drag a box around the number',
    'photo.tools': 'Photo tools',
    'photo.find': 'Find the number',
    'photo.read': 'Read the box',
    'photo.hint': 'Drag a box around the digits, or let the page find them. Move or resize the box, then read it.',
    'photo.unsure': 'Not sure of this reading: move the box so it fits the digits snugly, or take a closer photo.',
    'photo.loading': 'Loading the models…',
    'photo.ready': 'Ready: take or choose a photo of a house number.',
    'photo.opening': 'Opening {name}…',
    'photo.looking': 'Looking for the number…',
    'photo.readSure': 'Read. Adjust the box to read again.',
    'photo.readUnsure': 'Read, but not surely.',
    'error.tooLarge': '“{name}” is {size} MB; photos up to 50 MB can be read.',
    'error.models': 'The models could not load: {message}',
  },
  ru: {
    // обе страницы
    'nav.label': 'Страницы',
    'nav.draw': 'Рисовать',
    'nav.photo': 'Номер дома',
    'language.label': 'Язык (Language)',
    'update.ready': 'Готова новая версия приложения.',
    'update.reload': 'Обновить',
    'load.bar': 'Загрузка моделей',
    'load.offline': '· работает без сети',
    'load.downloading': 'Загрузка моделей: {amount} ({percent}%)',
    'load.amount': '{loaded} из {total}',
    'load.done': 'Модели загружены: {size}',
    'bytes.kb': '{n} КБ',
    'bytes.mb': '{n} МБ',
    'reading.heading': 'Результат',
    'reading.sure': 'уверенность {percent}',
    'reading.digits': 'Прочитанные цифры, слева направо',
    'backend.label': 'Бэкенд TF.js:',
    'backend.loading': 'загружается…',
    'backend.none': 'нет',
    'backend.why': '({why})',
    'backend.timing': 'запускается быстрее всех; остальные пока замеряются…',
    'backend.only': 'единственный, который здесь запустился',
    'backend.onPage': '· распознаёт сама страница: этот браузер не может распознавать в фоновом потоке',
    'backend.faster': 'здесь быстрее: {ms} мс против {slower}',
    'backend.msOn': '{ms} мс на {name}',
    'status.cannotStart': 'Распознавание не удаётся запустить.',
    'error.plain': '{message}',
    'error.vendorMissing':
      'На сервере нет TF.js (в web/static/vendor/ нет {files}). Выполните npm ci в папке проекта и обновите страницу.',
    'error.tfMissing':
      'TF.js не загрузился (файла vendor/tf-base.min.js нет или он не загрузился). Выполните `npm ci` на сервере ' +
      'и обновите страницу.',
    'error.tfStart': 'Не удалось запустить TF.js: {message}',
    'error.notImage':
      '«{name}» — не изображение, которое умеет открыть этот браузер. Выберите фото в JPEG, PNG или WebP.',
    // страница с рисунком
    'draw.title': 'Распознавание цифр',
    'draw.description':
      'Нарисуйте цифру или напишите число — нейросеть прочитает его прямо в браузере, даже без сети.',
    'draw.intro':
      'Нарисуйте одну цифру от 0 до 9 или напишите целое число. ' +
      'Нейросеть распознает написанное прямо здесь, в вашем браузере.',
    'draw.section': 'Рисование',
    'draw.mode': 'Распознавать',
    'draw.modeDigit': 'Одну цифру',
    'draw.modeNumber': 'Целое число',
    'draw.canvas': 'Поле для рисования',
    'draw.help': 'Рисуйте мышью, пером или пальцем. Колесо мыши меняет толщину кисти, правая кнопка стирает.',
    'draw.keys': 'Клавиши на поле для рисования:',
    'draw.keyClear': 'очищает',
    'draw.keyEraser': 'включает и выключает ластик',
    'draw.keyUndo': 'отменяет последний штрих',
    'draw.numberCanvas': 'Поле для записи числа',
    'draw.photoInput': 'Открыть фото написанного числа',
    'draw.photoInk': 'Написанное на вашем фото, без бумаги, с рамкой вокруг каждой цифры',
    'draw.photoCaption': 'Написанное на фото, без бумаги и линовки, и рамки цифр',
    'draw.tools': 'Инструменты рисования',
    'draw.clear': 'Очистить',
    'draw.undo': 'Отменить',
    'draw.eraser': 'Ластик',
    'draw.brush': 'Кисть',
    'draw.thin': 'Тонкая',
    'draw.medium': 'Средняя',
    'draw.thick': 'Толстая',
    'draw.model': 'Модель',
    'draw.predict': 'Распознать',
    'draw.bars': 'Вероятность каждой цифры',
    'draw.preview': 'Изображение 28 на 28 пикселей, которое читает модель',
    'draw.previewCaption': 'Что видит модель (28×28)',
    'draw.loading': 'Загрузка модели…',
    'draw.loadingNamed': 'Загрузка модели {name}…',
    'draw.empty': 'Нарисуйте цифру в рамке.',
    'draw.readDigit': 'Распознано: {digit}. Очистите поле, чтобы нарисовать другую цифру.',
    'draw.disagree': 'По форме это {shape}, по движению — {movement}.',
    'draw.emptyNumber': 'Напишите в широкой рамке число: от 1 до 8 цифр в ряд.',
    'draw.readNumber': 'Распознано: {number}. Очистите поле, чтобы написать другое число.',
    'draw.noDigit': 'Ни одной цифры не разобрать: пишите цифры крупнее, рядом друг с другом.',
    'draw.modelFailed': 'Не удалось загрузить модель.',
    'draw.readingPhoto': 'Читаем {name}…',
    'draw.readPhoto': 'Файл {name} распознан: {number}.',
    'error.numberReader': 'Не удалось загрузить модель для чисел ({message}): числа читаются по одной цифре.',
    'error.reading': 'Распознать не удалось: {message}',
    'error.model': 'Не удалось загрузить модель «{name}»: {message}',
    'error.blankPhoto': 'В «{name}» не найдено ничего написанного: страница выглядит пустой.',
    'error.noNumberPhoto':
      'В «{name}» не удалось прочитать число: написанное есть, но ни одной цифры в нём не разобрать (слишком бледно, ' +
      'слишком мелко или только линии и точки). Обрежьте фото по числу и попробуйте ещё раз.',
    // страница с номером дома
    'photo.title': 'Распознавание номеров домов',
    'photo.description':
      'Сфотографируйте номер дома — браузер сам найдёт и прочитает его; фото не покидает ваше устройство.',
    'photo.intro': 'Сфотографируйте номер дома или откройте готовое фото — страница сама найдёт номер и прочитает его.',
    'photo.privacy':
      'Фото остаётся на этом устройстве: его открывает и читает этот браузер, и оно никуда не отправляется.',
    'photo.section': 'Фото',
    'photo.pick': 'Сделайте или выберите фото',
    'photo.drop': 'или перетащите его сюда',
    'photo.canvas': 'Ваше фото; обведите номер рамкой',
    'photo.tools': 'Инструменты для фото',
    'photo.find': 'Найти номер',
    'photo.read': 'Прочитать рамку',
    'photo.hint':
      'Обведите цифры рамкой или дайте странице найти их самой. ' +
      'Передвиньте рамку или измените её размер, затем прочитайте.',
    'photo.unsure': 'Результат ненадёжен: подгоните рамку вплотную к цифрам или сфотографируйте поближе.',
    'photo.loading': 'Загрузка моделей…',
    'photo.ready': 'Готово: сделайте или выберите фото номера дома.',
    'photo.opening': 'Открываем {name}…',
    'photo.looking': 'Ищем номер…',
    'photo.readSure': 'Прочитано. Поправьте рамку, чтобы прочитать ещё раз.',
    'photo.readUnsure': 'Прочитано, но без уверенности.',
    'error.tooLarge': '«{name}» весит {size} МБ; открыть можно фото до 50 МБ.',
    'error.models': 'Не удалось загрузить модели: {message}',
  },
};

let current = DEFAULT_LANGUAGE;

/**
 * The language to speak: the one the person picked (`remembered`), else the first of the
 * browser's languages that has a table ("ru-RU" -> "ru"), else English.
 * @param {string|null} remembered what localStorage kept, if anything
 * @param {readonly string[]} preferred navigator.languages, most wanted first
 * @returns {string}
 */
export function chooseLanguage(remembered, preferred) {
  if (remembered && remembered in MESSAGES) return remembered;
  for (const tag of preferred ?? []) {
    const base = String(tag).toLowerCase().split('-')[0];
    if (base in MESSAGES) return base;
  }
  return DEFAULT_LANGUAGE;
}

/** A parameter as text: a nested message in the same language, a list of them joined by commas. */
function paramText(value, lang) {
  if (Array.isArray(value)) return value.map((v) => paramText(v, lang)).join(', ');
  if (value && typeof value === 'object') return translate(lang, value.key, value.params);
  return String(value);
}

function translate(lang, key, params = {}) {
  // English stands in for a key the other table lacks (the tests keep them equal); the key itself for a typo.
  const text = MESSAGES[lang]?.[key] ?? MESSAGES[DEFAULT_LANGUAGE][key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? paramText(params[name], lang) : whole));
}

/**
 * The message `key` in the page's language, its {name}s filled from `params`.
 * @param {string} key e.g. "draw.readDigit"
 * @param {Object<string, *>} [params] e.g. {digit: "7"}
 * @returns {string}
 */
export function t(key, params) {
  return translate(current, key, params);
}

/**
 * Show message `key` in an element, and keep the key there so that a switch of language
 * rewrites it. An empty key empties the element (and a switch leaves it empty).
 * @param {HTMLElement} element
 * @param {string} key
 * @param {Object<string, *>} [params] plain values and nested messages: they are kept as JSON
 */
export function setMessage(element, key, params) {
  if (!key) return setPlainText(element, '');
  element.dataset.i18n = key;
  if (params && Object.keys(params).length) element.dataset.i18nParams = JSON.stringify(params);
  else delete element.dataset.i18nParams;
  element.textContent = translate(current, key, params);
}

/** Show text that reads the same in every language (a number, a backend's name) where a message may have been. */
export function setPlainText(element, text) {
  delete element.dataset.i18n;
  delete element.dataset.i18nParams;
  element.textContent = text;
}

/**
 * Write every marked element under `root` in the page's language: the text of each
 * [data-i18n] (with its data-i18n-params), and each attribute that [data-i18n-attr]
 * names ("aria-label:draw.canvas", several separated by spaces).
 * @param {ParentNode} root
 */
export function translatePage(root) {
  for (const element of root.querySelectorAll('[data-i18n]:not([data-i18n=""])')) {
    const params = element.dataset.i18nParams ? JSON.parse(element.dataset.i18nParams) : undefined;
    element.textContent = translate(current, element.dataset.i18n, params);
  }
  for (const element of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of element.dataset.i18nAttr.trim().split(/\s+/)) {
      const [attribute, key] = pair.split(':');
      element.setAttribute(attribute, translate(current, key));
    }
  }
}

/** An Error a person reads: its message from the tables, its key kept to show it again in another language. */
export class MessageError extends Error {
  constructor(key, params = {}) {
    super(translate(current, key, params));
    this.name = 'MessageError';
    this.key = key;
    this.params = params;
  }
}

/**
 * [key, params] that show an error: a MessageError's own, or any other error's message as it
 * is (TF.js's and the browser's technical words, which have no table).
 * @param {Error} err
 * @returns {[string, Object<string, *>]}
 */
export function errorMessage(err) {
  return err instanceof MessageError ? [err.key, err.params] : ['error.plain', { message: err.message }];
}

/** This device's localStorage, or null where the browser refuses it (some private modes). */
function storage() {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

/**
 * Speak `lang` from now on: <html lang>, every marked element, the switch; with `remember`,
 * keep it for the next visit (a refused localStorage only forgets it).
 * @param {string} lang a key of MESSAGES
 * @param {boolean} [remember]
 */
export function setLanguage(lang, remember = false) {
  if (!(lang in MESSAGES)) return;
  current = lang;
  if (remember) {
    try {
      storage()?.setItem(STORAGE_KEY, lang);
    } catch {
      // storage full or refused: the choice lasts this visit
    }
  }
  document.documentElement.lang = lang;
  translatePage(document);
  const select = document.getElementById('language-select');
  if (select) select.value = lang;
}

/** The page's first words: the remembered or the browser's language, and the switch wired to change it. */
function startLanguage() {
  let remembered = null;
  try {
    remembered = storage()?.getItem(STORAGE_KEY) ?? null;
  } catch {
    // refused: choose from the browser's languages
  }
  setLanguage(chooseLanguage(remembered, navigator.languages ?? [navigator.language]));
  const select = document.getElementById('language-select');
  select?.addEventListener('change', () => setLanguage(select.value, true));
}

// Run on import in a page. base.html also loads this module by itself (async, at the end of the
// body), so that a Russian page turns Russian before TF.js has parsed rather than after; the
// pages' scripts import it too, and so never write a word before the language is chosen.
if (typeof document !== 'undefined') startLanguage();
