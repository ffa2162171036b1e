/**
 * Every string the widget shows, per language. Numbers, plurals and times go through Intl
 * (PluralRules, NumberFormat, DateTimeFormat, RelativeTimeFormat), so a language here is only
 * its words. `{t}` stands for a time, `#` for a count.
 */
export interface Messages {
  /** "rtl" for right-to-left scripts. */
  readonly dir: "ltr" | "rtl";
  readonly live: string;
  readonly connecting: string;
  readonly reconnecting: string;
  readonly ended: string;
  readonly paused: string;
  readonly notFound: string;
  /** The widget's region name; the feed title follows it after a colon. */
  readonly region: string;
  readonly keyOnly: string;
  readonly pause: string;
  readonly resume: string;
  readonly pinned: string;
  readonly breaking: string;
  readonly keyEvent: string;
  readonly updated: string;
  /** The label of a correction notice under an entry (its time and note follow). */
  readonly correction: string;
  readonly empty: string;
  readonly older: string;
  readonly loading: string;
  readonly olderFailed: string;
  readonly show: string;
  /** The heading of the key-events summary above the entries. */
  readonly keyEvents: string;
  /** The button under each entry that shares (or copies) its permalink. */
  readonly share: string;
  readonly linkCopied: string;
  readonly copyFailed: string;
  /** By Intl.PluralRules category; `other` is required. */
  readonly newUpdates: Partial<Record<Intl.LDMLPluralRule, string>> & { other: string };
}

const en: Messages = {
  dir: "ltr",
  live: "Live",
  connecting: "Connecting…",
  reconnecting: "Reconnecting…",
  ended: "Coverage has ended",
  paused: "Live updates paused",
  notFound: "This live feed does not exist.",
  region: "Live updates",
  keyOnly: "Key events only",
  pause: "Pause live updates",
  resume: "Resume live updates",
  pinned: "Pinned",
  breaking: "Breaking",
  keyEvent: "Key event",
  updated: "Updated {t}",
  correction: "Correction",
  empty: "No updates yet.",
  older: "Load older updates",
  loading: "Loading…",
  olderFailed: "Could not load older updates – try again",
  show: "show",
  keyEvents: "Key events",
  share: "Share",
  linkCopied: "Link copied",
  copyFailed: "Could not copy the link",
  newUpdates: { one: "# new update", other: "# new updates" },
};

const de: Messages = {
  dir: "ltr",
  live: "Live",
  connecting: "Verbindung wird hergestellt…",
  reconnecting: "Verbindung wird wiederhergestellt…",
  ended: "Die Berichterstattung ist beendet",
  paused: "Live-Updates pausiert",
  notFound: "Diesen Live-Ticker gibt es nicht.",
  region: "Live-Updates",
  keyOnly: "Nur wichtige Ereignisse",
  pause: "Live-Updates anhalten",
  resume: "Live-Updates fortsetzen",
  pinned: "Angeheftet",
  breaking: "Eilmeldung",
  keyEvent: "Wichtig",
  updated: "Aktualisiert {t}",
  correction: "Korrektur",
  empty: "Noch keine Updates.",
  older: "Ältere Updates laden",
  loading: "Wird geladen…",
  olderFailed: "Ältere Updates nicht geladen – erneut versuchen",
  show: "anzeigen",
  keyEvents: "Wichtige Ereignisse",
  share: "Teilen",
  linkCopied: "Link kopiert",
  copyFailed: "Link konnte nicht kopiert werden",
  newUpdates: { one: "# neues Update", other: "# neue Updates" },
};

const fr: Messages = {
  dir: "ltr",
  live: "En direct",
  connecting: "Connexion…",
  reconnecting: "Reconnexion…",
  ended: "Le direct est terminé",
  paused: "Direct en pause",
  notFound: "Ce direct n’existe pas.",
  region: "Direct",
  keyOnly: "Moments clés uniquement",
  pause: "Mettre le direct en pause",
  resume: "Reprendre le direct",
  pinned: "Épinglé",
  breaking: "Urgent",
  keyEvent: "Moment clé",
  updated: "Mis à jour à {t}",
  correction: "Rectificatif",
  empty: "Pas encore de mise à jour.",
  older: "Afficher les mises à jour précédentes",
  loading: "Chargement…",
  olderFailed: "Échec du chargement – réessayer",
  show: "afficher",
  keyEvents: "Moments clés",
  share: "Partager",
  linkCopied: "Lien copié",
  copyFailed: "Impossible de copier le lien",
  newUpdates: { one: "# nouvelle mise à jour", other: "# nouvelles mises à jour" },
};

const es: Messages = {
  dir: "ltr",
  live: "En directo",
  connecting: "Conectando…",
  reconnecting: "Reconectando…",
  ended: "La cobertura ha terminado",
  paused: "Actualizaciones en pausa",
  notFound: "Este directo no existe.",
  region: "Actualizaciones en directo",
  keyOnly: "Solo momentos clave",
  pause: "Pausar las actualizaciones",
  resume: "Reanudar las actualizaciones",
  pinned: "Fijado",
  breaking: "Última hora",
  keyEvent: "Momento clave",
  updated: "Actualizado {t}",
  correction: "Corrección",
  empty: "Aún no hay actualizaciones.",
  older: "Cargar actualizaciones anteriores",
  loading: "Cargando…",
  olderFailed: "No se pudieron cargar – reintentar",
  show: "mostrar",
  keyEvents: "Momentos clave",
  share: "Compartir",
  linkCopied: "Enlace copiado",
  copyFailed: "No se pudo copiar el enlace",
  newUpdates: { one: "# actualización nueva", other: "# actualizaciones nuevas" },
};

const uk: Messages = {
  dir: "ltr",
  live: "Наживо",
  connecting: "Підключення…",
  reconnecting: "Повторне підключення…",
  ended: "Трансляцію завершено",
  paused: "Оновлення призупинено",
  notFound: "Такої трансляції не існує.",
  region: "Оновлення наживо",
  keyOnly: "Лише ключові події",
  pause: "Призупинити оновлення",
  resume: "Відновити оновлення",
  pinned: "Закріплено",
  breaking: "Терміново",
  keyEvent: "Ключова подія",
  updated: "Оновлено {t}",
  correction: "Виправлення",
  empty: "Оновлень ще немає.",
  older: "Завантажити попередні оновлення",
  loading: "Завантаження…",
  olderFailed: "Не вдалося завантажити – спробуйте ще раз",
  show: "показати",
  keyEvents: "Ключові події",
  share: "Поділитися",
  linkCopied: "Посилання скопійовано",
  copyFailed: "Не вдалося скопіювати посилання",
  newUpdates: {
    one: "# нове оновлення",
    few: "# нові оновлення",
    many: "# нових оновлень",
    other: "# нового оновлення",
  },
};

const ar: Messages = {
  dir: "rtl",
  live: "مباشر",
  connecting: "جارٍ الاتصال…",
  reconnecting: "جارٍ إعادة الاتصال…",
  ended: "انتهت التغطية",
  paused: "التحديثات المباشرة متوقفة مؤقتًا",
  notFound: "هذه التغطية المباشرة غير موجودة.",
  region: "تحديثات مباشرة",
  keyOnly: "الأحداث الرئيسية فقط",
  pause: "إيقاف التحديثات مؤقتًا",
  resume: "استئناف التحديثات",
  pinned: "مثبّت",
  breaking: "عاجل",
  keyEvent: "حدث رئيسي",
  updated: "حُدّث {t}",
  correction: "تصحيح",
  empty: "لا توجد تحديثات بعد.",
  older: "تحميل التحديثات الأقدم",
  loading: "جارٍ التحميل…",
  olderFailed: "تعذّر التحميل – حاول مجددًا",
  show: "عرض",
  keyEvents: "الأحداث الرئيسية",
  share: "مشاركة",
  linkCopied: "تم نسخ الرابط",
  copyFailed: "تعذّر نسخ الرابط",
  newUpdates: {
    one: "تحديث جديد واحد",
    two: "تحديثان جديدان",
    few: "# تحديثات جديدة",
    many: "# تحديثًا جديدًا",
    other: "# تحديث جديد",
  },
};

const CATALOG: Record<string, Messages> = { en, de, fr, es, uk, ar };

/** The languages the widget ships in. */
export const WIDGET_LANGUAGES = Object.keys(CATALOG);

/** The words and formatters of one locale, e.g. "de-AT" (German words, Austrian formats). */
export interface Locale {
  /** The BCP 47 tag Intl formats with. */
  readonly tag: string;
  /** The language the words are in (one of WIDGET_LANGUAGES). */
  readonly lang: string;
  readonly t: Messages;
  /** e.g. "3 new updates", in this language's plural form. */
  newUpdates(n: number): string;
}

/**
 * The locale for a widget: the first tag of `wanted` whose language the widget ships
 * (`data-locale`, then the host page's `lang`), else the reader's, else English. A bare
 * language ("en" on the page) takes the reader's regional formats when the reader's language
 * is the same ("en-GB": 14:32, not 2:32 PM).
 */
export function pickLocale(wanted: (string | null | undefined)[], reader: string | undefined): Locale {
  const readerTag = canonical(reader);
  for (const raw of [...wanted, reader]) {
    const tag = canonical(raw);
    const lang = tag?.split("-")[0]?.toLowerCase();
    if (tag === undefined || lang === undefined || !(lang in CATALOG)) continue;
    const regional = tag === lang && readerTag?.toLowerCase().startsWith(`${lang}-`) === true;
    return makeLocale(regional && readerTag !== undefined ? readerTag : tag, lang);
  }
  return makeLocale("en", "en");
}

function canonical(raw: string | null | undefined): string | undefined {
  if (raw === null || raw === undefined || raw.trim() === "") return undefined;
  try {
    return Intl.getCanonicalLocales(raw.trim())[0];
  } catch {
    return undefined; // not a language tag
  }
}

function makeLocale(tag: string, lang: string): Locale {
  const t = CATALOG[lang] ?? en;
  const plural = new Intl.PluralRules(tag);
  const number = new Intl.NumberFormat(tag);
  return {
    tag,
    lang,
    t,
    newUpdates: (n) => (t.newUpdates[plural.select(n)] ?? t.newUpdates.other).replace("#", number.format(n)),
  };
}
