// Site search, loaded by the search page (templates/search.html) and by no other page.
//
// The page works without this script: it says that search needs JavaScript and offers pages to browse.
// The script shows the search form, loads Pagefind (pagefind/pagefind.js, written by the build) when the
// first query is typed, and lists what it finds in the page's own language, with the words found marked.
// An event of the timeline, a row of the glossary and a key figure are each a result of their own: their
// page marks each with an id (and its title element with that id + "--title"), which Pagefind records
// as anchors with their place among the page's words.

const PAGE_SIZE = 10; // results shown at once
const EXCERPT_WORDS = 30; // words (Chinese: segmented words) in an excerpt
const DEBOUNCE_MS = 200;
const TITLE = "--title";
const ITEMS = new Set(["event", "term", "figure"]); // types whose page holds many results

const root = document.querySelector("[data-search]");
if (root) start(root);

function start(root) {
  const find = (selector) => root.querySelector(selector);
  const form = find("[data-search-form]");
  const input = form.elements.q;
  const status = find("[data-search-status]");
  const list = find("[data-search-results]");
  const more = find("[data-search-more]");
  const facets = find("[data-search-facets]");
  const boxes = [...facets.querySelectorAll("input[type=checkbox]")];
  const kinds = Object.fromEntries(boxes.map((box) => [box.value, box.closest("label").dataset.kind]));
  const base = root.dataset.base;
  const home = base + root.dataset.lang + "/"; // every result of this page's language lives below it
  const language = document.documentElement.lang.toLowerCase(); // Pagefind's name for this page's index
  const words = /^(zh|ja)\b/.test(language) && typeof Intl.Segmenter === "function"
    ? new Intl.Segmenter(language, { granularity: "word" }) : null;

  let engine = null; // the Pagefind module, once asked for
  let current = 0; // the latest search; an older one stops where it is
  let timer = 0;
  let waiting = [];
  let ready = [];
  let wanted = ""; // the query as a title would contain it

  // The page as it reads with this script: the form instead of the word that search needs it, and no list
  // of pages to browse (the header's navigation leads there too).
  find("[data-search-nojs]").hidden = true;
  find(".search-browse")?.setAttribute("hidden", "");
  form.hidden = false;

  function pagefind() {
    engine ??= import(root.dataset.bundle + "pagefind.js").then(async (module) => {
      // (Pagefind searches in a web worker of its own, so typing stays smooth on a slow phone.)
      await module.options({ baseUrl: base, excerptLength: EXCERPT_WORDS });
      await module.filters(); // so that every search reports how many results each type has
      return module;
    });
    engine.catch(() => { engine = null; }); // a later query tries again
    return engine;
  }

  // Pagefind splits a Chinese query into words with the browser's dictionary, which knows fewer names
  // than the one that split the pages: 华为 becomes 华 + 为, where the pages hold the word 华为, and no
  // word there begins with 为. So of characters the browser left on their own, one after another, only
  // the first is kept: it finds the word by its beginning.
  function terms(query) {
    if (!words) return query;
    const kept = [];
    let alone = false;
    for (const { segment, isWordLike } of words.segment(query)) {
      const single = isWordLike && [...segment].length === 1 && /\p{Script=Han}/u.test(segment);
      if (!(single && alone)) kept.push(segment);
      alone = single;
    }
    return kept.join(" ").replace(/\s+/g, " ").trim();
  }

  function say(key, count, query) {
    status.textContent = status.dataset[key].replaceAll("{n}", String(count)).replaceAll("{q}", query);
  }

  function chosen() {
    return boxes.filter((box) => box.checked).map((box) => box.value);
  }

  function remember(query, types) {
    const params = new URLSearchParams();
    if (query) params.set("q", query);
    for (const type of types) params.append("type", type);
    const search = params.toString();
    history.replaceState(null, "", search ? `?${search}` : location.pathname);
  }

  function clear() {
    list.replaceChildren();
    list.hidden = more.hidden = facets.hidden = true;
    status.textContent = "";
    waiting = [];
    ready = [];
  }

  async function search(query) {
    const run = ++current;
    const types = chosen();
    remember(query.trim(), types);
    if (!query.trim()) {
      clear();
      return;
    }
    const slow = setTimeout(() => run === current && say("searching", 0, query), 400);
    try {
      const module = await pagefind();
      const asked = terms(query);
      const found = await module.search(asked, types.length ? { filters: { type: { any: types } } } : {});
      // Pagefind falls back to another language's index when the page's has none: that is no result here.
      const results = found.results.filter((result) => result.id.startsWith(language + "_"));
      const counts = await countTypes(module, asked, results.length ? found.totalFilters?.type ?? {} : {}, run);
      if (run !== current) return;
      showFacets(counts, types);
      list.replaceChildren();
      waiting = results;
      ready = [];
      wanted = query.replace(/\s+/g, "").toLowerCase();
      await showMore(run);
      if (run !== current) return;
      const total = Object.entries(counts)
        .filter(([type]) => !types.length || types.includes(type))
        .reduce((sum, [, count]) => sum + count, 0);
      say(total === 0 ? "none" : total === 1 ? "foundOne" : "foundMany", total, query.trim());
    } catch (error) {
      if (run === current) {
        clear();
        say("failed", 0, query);
      }
    } finally {
      clearTimeout(slow);
    }
  }

  // Results by type for this query: pages for most types, the items found for an item type.
  async function countTypes(module, query, pages, run) {
    const counts = {};
    for (const box of boxes) {
      const type = box.value;
      counts[type] = pages[type] ?? 0;
      if (counts[type] && ITEMS.has(type)) {
        const found = await module.search(query, { filters: { type } });
        const datas = await Promise.all(found.results.map((result) => result.data()));
        if (run !== current) return counts;
        counts[type] = datas.reduce((sum, data) => sum + entriesOf(data).length, 0);
      }
    }
    return counts;
  }

  function showFacets(counts, types) {
    let any = false;
    for (const box of boxes) {
      const label = box.closest("label");
      const count = counts[box.value] ?? 0;
      label.querySelector(".search-count").textContent = `(${count})`;
      label.hidden = count === 0 && !box.checked;
      any ||= !label.hidden;
    }
    facets.hidden = !any || (!types.length && Object.values(counts).filter(Boolean).length < 2);
  }

  async function showMore(run) {
    let shown = 0;
    let first = null;
    while (shown < PAGE_SIZE && (ready.length || waiting.length)) {
      if (!ready.length) {
        const datas = await Promise.all(waiting.splice(0, PAGE_SIZE).map((result) => result.data()));
        if (run !== current) return null;
        const entries = datas.flatMap(entriesOf);
        // Of the results ranked alike, one whose title holds the whole query comes first.
        const named = (entry) => entry.title.replace(/\s+/g, "").toLowerCase().includes(wanted);
        ready.push(...entries.filter(named), ...entries.filter((entry) => !named(entry)));
        continue;
      }
      const item = render(ready.shift());
      list.append(item);
      first ??= item;
      shown += 1;
    }
    list.hidden = list.children.length === 0;
    more.hidden = !(ready.length || waiting.length);
    return first;
  }

  // The results one page of the index gives: the page, or, for a page of items, each item found.
  function entriesOf(data) {
    if (!data.url.startsWith(home)) return [];
    const type = data.filters?.type?.[0] ?? "article";
    const zws = data.raw_content.includes("\u200B"); // Chinese: words segmented by Pagefind
    const words = (zws ? data.raw_content.split("\u200B") : data.raw_content.split(/\s+/)).map(decode);
    const joiner = zws ? "" : " ";
    const hits = [...data.weighted_locations].sort((a, b) => a.location - b.location);
    if (!ITEMS.has(type)) {
      return [{ type, url: data.url, title: decode(data.meta.title), excerpt: excerpt(words, hits, 0, words.length, joiner) }];
    }
    const anchors = [...data.anchors].sort((a, b) => a.location - b.location);
    const titles = new Map(anchors.filter((a) => a.id.endsWith(TITLE))
      .map((a) => [a.id.slice(0, -TITLE.length), decode(a.text ?? "").trim()]));
    const items = anchors.filter((a) => !a.id.endsWith(TITLE));
    const found = items.map(() => []);
    let at = 0;
    for (const hit of hits) {
      while (at + 1 < items.length && items[at + 1].location <= hit.location) at += 1;
      if (items.length && hit.location >= items[at].location) found[at].push(hit);
    }
    const page = data.url.split("#")[0];
    return items
      .map((item, n) => ({ item, n, hits: found[n], score: found[n].reduce((sum, hit) => sum + hit.balanced_score, 0) }))
      .filter((entry) => entry.hits.length)
      .sort((a, b) => b.score - a.score || a.n - b.n)
      .map(({ item, n, hits }) => ({
        type,
        url: `${page}#${item.id}`,
        title: titles.get(item.id) || decode(data.meta.title),
        excerpt: excerpt(words, hits, item.location, items[n + 1]?.location ?? words.length, joiner),
      }));
  }

  // The stretch of at most EXCERPT_WORDS words in [start, end) where the words found weigh most.
  function excerpt(words, hits, start, end, joiner) {
    let from = start;
    let best = -1;
    for (const hit of hits) {
      const begin = Math.max(start, Math.min(hit.location - 4, end - EXCERPT_WORDS));
      const weight = hits.filter((h) => h.location >= begin && h.location < begin + EXCERPT_WORDS)
        .reduce((sum, h) => sum + h.balanced_score, 0);
      if (weight > best) [best, from] = [weight, begin];
    }
    const to = Math.min(end, from + EXCERPT_WORDS);
    const marked = new Set(hits.map((hit) => hit.location));
    const parts = [];
    for (let at = from; at < to; at += 1) parts.push([words[at], marked.has(at)]);
    return { parts, joiner, before: from > start, after: to < end };
  }

  // Pagefind keeps the pages' text as it was written in HTML (R&amp;D): as the text it stands for.
  const decoder = document.createElement("textarea");
  function decode(html) {
    if (!html.includes("&")) return html;
    decoder.innerHTML = html;
    return decoder.value;
  }

  function render(entry) {
    const item = document.createElement("li");
    item.className = "search-result";
    const heading = document.createElement("h2");
    const link = document.createElement("a");
    link.href = entry.url;
    link.textContent = entry.title;
    heading.append(link);
    const kind = document.createElement("p");
    kind.className = "search-kind";
    kind.textContent = kinds[entry.type] ?? entry.type;
    const text = document.createElement("p");
    text.className = "search-excerpt";
    const { parts, joiner, before, after } = entry.excerpt;
    let plain = before ? "…" : "";
    parts.forEach(([word, found], n) => {
      if (n) plain += joiner;
      if (!found) {
        plain += word;
        return;
      }
      const [, lead, inner, trail] = word.match(/^(\s*)(.*?)(\s*)$/s); // the mark around the word alone
      text.append(plain + lead);
      plain = trail;
      const mark = document.createElement("mark");
      mark.textContent = inner;
      text.append(mark);
    });
    text.append(plain + (after ? "…" : ""));
    item.append(heading, kind, text);
    return item;
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => search(input.value), DEBOUNCE_MS);
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(timer);
    search(input.value);
  });
  facets.addEventListener("change", () => search(input.value));
  more.addEventListener("click", async () => {
    const first = await showMore(current);
    first?.querySelector("a").focus();
  });

  const params = new URLSearchParams(location.search);
  const types = params.getAll("type");
  for (const box of boxes) box.checked = types.includes(box.value);
  if (params.get("q")) {
    input.value = params.get("q");
    search(input.value);
  }
}
