// How the console writes platforms, tools, dates, money and connection states for people.

export const PLATFORMS = ['googleAnalytics', 'googleAds', 'metaAds', 'linkedinAds'];

const PLATFORM_NAMES = {
  googleAnalytics: 'Google Analytics 4',
  googleAds: 'Google Ads',
  metaAds: 'Meta Ads',
  linkedinAds: 'LinkedIn Ads',
};

export function platformName(key) {
  return PLATFORM_NAMES[key] ?? key;
}

const TOOL_NAMES = {
  get_platform_summary: 'summary',
  list_campaigns: 'campaigns',
  compare_periods: 'period comparison',
  blended_totals: 'totals across platforms',
  get_site_breakdown: 'site breakdown',
  get_timeseries: 'trend',
};

export function toolName(name) {
  return TOOL_NAMES[name] ?? name.replaceAll('_', ' ');
}

const METRIC_NAMES = {
  spend: 'Spend',
  impressions: 'Impressions',
  clicks: 'Clicks',
  conversions: 'Conversions',
  conversion_value: 'Conversion value',
  leads: 'Leads',
  ctr: 'CTR',
  cpc: 'CPC',
  cpm: 'CPM',
  cpa: 'CPA',
  cpl: 'Cost per lead',
  conversion_rate: 'Conversion rate',
  roas: 'ROAS',
  sessions: 'Sessions',
  users: 'Users',
  new_users: 'New users',
  pageviews: 'Page views',
  engaged_sessions: 'Engaged sessions',
  bounce_rate: 'Bounce rate',
  engagement_rate: 'Engagement rate',
  avg_session_duration: 'Average session duration',
  pages_per_session: 'Pages per session',
};

export function metricName(key) {
  return METRIC_NAMES[key] ?? String(key).replaceAll('_', ' ');
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `2026-11-01` as numbers, without going through a time zone. */
function day(iso) {
  const [y, m, d] = String(iso).split('-').map(Number);
  return { y, m, d };
}

/** `1 Nov 2026`. */
export function formatDay(iso) {
  const { y, m, d } = day(iso);
  return `${d} ${MONTHS[m - 1]} ${y}`;
}

/** `1 Nov` (no year), for chart axes. */
export function formatShortDay(iso) {
  const { m, d } = day(iso);
  return `${d} ${MONTHS[m - 1]}`;
}

/** An inclusive range as people write it: `1–30 Nov 2026`, `28 Oct – 3 Nov 2026`, `1 Nov 2026`. */
export function formatRange(range) {
  if (!range) return '';
  const a = day(range.start);
  const b = day(range.end);
  if (range.start === range.end) return formatDay(range.start);
  if (a.y === b.y && a.m === b.m) return `${a.d}–${b.d} ${MONTHS[b.m - 1]} ${b.y}`;
  if (a.y === b.y) return `${a.d} ${MONTHS[a.m - 1]} – ${b.d} ${MONTHS[b.m - 1]} ${b.y}`;
  return `${formatDay(range.start)} – ${formatDay(range.end)}`;
}

/** A month bucket (`Nov 2026`) when the range is a whole month, else the range. */
export function formatBucket(range, granularity) {
  const a = day(range.start);
  if (granularity === 'month' && a.d === 1) return `${MONTHS[a.m - 1]} ${a.y}`;
  return formatRange(range);
}

const DATE_TIME = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});

/** A timestamp in the viewer's time zone: `1 Dec 2026, 21:09`. */
export function formatDateTime(rfc3339) {
  const date = new Date(rfc3339);
  return Number.isNaN(date.getTime()) ? String(rfc3339) : DATE_TIME.format(date);
}

/** `just now`, `5 min ago`, `3 h ago`, `2 days ago`; `in 3 h` for the future. */
export function relativeTime(rfc3339, now = Date.now()) {
  const then = new Date(rfc3339).getTime();
  if (Number.isNaN(then)) return '';
  const seconds = Math.round((now - then) / 1000);
  const future = seconds < 0;
  const abs = Math.abs(seconds);
  let text;
  if (abs < 45) return 'just now';
  if (abs < 3600) text = `${Math.round(abs / 60)} min`;
  else if (abs < 86400) text = `${Math.round(abs / 3600)} h`;
  else {
    const days = Math.round(abs / 86400);
    text = `${days} day${days === 1 ? '' : 's'}`;
  }
  return future ? `in ${text}` : `${text} ago`;
}

const INTEGER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function formatInteger(n) {
  return INTEGER.format(n ?? 0);
}

/** A cost in USD: cents, or four decimals for the fractions of a cent a model call costs. */
export function formatUsd(cost) {
  const value = Number(cost ?? 0);
  if (value > 0 && value < 0.01) return `$${value.toFixed(4)}`;
  return `$${value.toFixed(2)}`;
}

/**
 * A figure in its unit, as the tools round them: money to cents with its currency, percentages
 * (rates arrive as percentages already) to two decimals, multiples as `3.49x`, seconds as `2m 11s`.
 */
export function formatValue(value, unit, currency, { compact = false } = {}) {
  if (value === null || value === undefined || Number.isNaN(value)) return 'no figures';
  switch (unit) {
    case 'money': {
      const options = currency
        ? { style: 'currency', currency, maximumFractionDigits: compact ? 1 : 2, minimumFractionDigits: 0 }
        : { maximumFractionDigits: 2 };
      if (compact) options.notation = 'compact';
      else if (currency) options.minimumFractionDigits = 2;
      try {
        return new Intl.NumberFormat('en-US', options).format(value);
      } catch {
        return `${value.toFixed(2)} ${currency ?? ''}`.trim();
      }
    }
    case 'percent':
    case 'rate':
      return `${Number(value).toFixed(compact ? 1 : 2)}%`;
    case 'multiple':
      return `${Number(value).toFixed(2)}x`;
    case 'seconds': {
      const total = Math.round(value);
      const minutes = Math.floor(total / 60);
      return minutes > 0 ? `${minutes}m ${total % 60}s` : `${total}s`;
    }
    case 'count':
      return new Intl.NumberFormat('en-US', compact ? { notation: 'compact' } : {}).format(Math.round(value));
    default:
      return new Intl.NumberFormat('en-US', { maximumFractionDigits: 2, notation: compact ? 'compact' : 'standard' })
        .format(value);
  }
}

/**
 * Where one platform of a client stands, as the server judges it: `connected`, `choose` (connected,
 * no account chosen yet), `expiring` (access ends within 7 days and cannot renew itself: the
 * server's `warning`), `reconnect` (`needsReconnect`, or the platform refused its tokens, or its
 * sync failed; `reason` says why) or `none`.
 */
export function connectionState(summary, now = Date.now()) {
  const name = platformName(summary.platform);
  if (summary.needsReconnect || summary.status === 'expired' || summary.status === 'error') {
    const fallback = summary.status === 'error' ? `the last ${name} sync failed` : `${name} refused the saved access`;
    return { state: 'reconnect', label: 'Needs reconnect', detail: summary.reason || fallback };
  }
  if (summary.connected) {
    const synced = summary.lastSync ? `synced ${relativeTime(summary.lastSync, now)}` : 'not synced yet';
    if (!summary.accountId) {
      return { state: 'choose', label: 'Choose account', detail: `connected; choose the ${name} account to read` };
    }
    if (summary.warning) {
      return { state: 'expiring', label: 'Expiring', detail: `${summary.warning}; ${synced}` };
    }
    return { state: 'connected', label: 'Connected', detail: synced };
  }
  return {
    state: 'none',
    label: 'Not connected',
    detail: summary.accountId ? `disconnected (account ${summary.accountId})` : 'never connected',
  };
}

/** Whether the analyst answers this client from demo data: nothing is connected. */
export function isDemo(client) {
  return !(client.platforms ?? []).some((p) => p.connected);
}

/** What a tool looks up, for the live status and the working: `Google Ads · trend · 1–30 Nov 2026`. */
export function describeLookup(tool) {
  const platforms = (tool.platforms ?? []).map(platformName);
  const parts = [platforms.length ? platforms.join(', ') : 'every platform', toolName(tool.name)];
  const ranges = (tool.ranges ?? []).map(formatRange);
  if (ranges.length === 2 && tool.name === 'compare_periods') parts.push(`${ranges[0]} vs ${ranges[1]}`);
  else if (ranges.length) parts.push(ranges.join(', '));
  return parts.join(' · ');
}
