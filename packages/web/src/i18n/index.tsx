/** Language context: Chinese by default, English on the switch; the choice is remembered. */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { setApiLanguage } from '../api/client.js';
import { en, zh, type MessageKey } from './messages.js';

export type Lang = 'zh' | 'en';
export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

const STORAGE_KEY = 'osw.lang';

function initialLang(): Lang {
  try {
    return localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'zh';
  } catch {
    return 'zh';
  }
}

const I18nContext = createContext<{ lang: Lang; t: Translate; setLang(l: Lang): void } | null>(null);

export function format(lang: Lang, key: MessageKey, vars?: Record<string, string | number>): string {
  const text: string = (lang === 'en' ? en : zh)[key] ?? key;
  return vars ? text.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m)) : text;
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(() => {
    const l = initialLang();
    setApiLanguage(l);
    return l;
  });
  const setLang = useCallback((l: Lang) => {
    setApiLanguage(l);
    try {
      localStorage.setItem(STORAGE_KEY, l);
    } catch {
      /* private mode: the choice lasts for the page */
    }
    setLangState(l);
  }, []);
  // the page says which language it is in (screen readers, the browser's translate offer) and is titled in it
  useEffect(() => {
    document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
    document.title = `${format(lang, 'app.title')} · open-single-window`;
  }, [lang]);
  const value = useMemo(() => ({ lang, setLang, t: ((key, vars) => format(lang, key, vars)) as Translate }), [lang, setLang]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n() {
  const v = useContext(I18nContext);
  if (!v) throw new Error('useI18n outside I18nProvider');
  return v;
}

/** Declaration CHANNEL codes (DEC_RESULT) as the receipts name them. */
export const CHANNELS: Record<string, { zh: string; en: string }> = {
  '7': { zh: '申报成功', en: 'declared' },
  L: { zh: '海关入库成功', en: 'entered into customs system' },
  J: { zh: '通关无纸化审结', en: 'paperless review concluded' },
  G: { zh: '已审结', en: 'review concluded' },
  C: { zh: '查验通知', en: 'inspection notice' },
  P: { zh: '海关已放行', en: 'released' },
  R: { zh: '已结关', en: 'cleared' },
  E: { zh: '退单', en: 'refused' },
  Z: { zh: '退回修改', en: 'returned for change' },
  D: { zh: '删单', en: 'deleted' },
  H: { zh: '挂起', en: 'on hold' },
  T: { zh: '需交税费', en: 'duties due' },
  Y: { zh: '申报失败', en: 'declaration failed' },
};

export function channelText(lang: Lang, code: string): string {
  const c = CHANNELS[code];
  return c ? `${code} ${c[lang]}` : code;
}
