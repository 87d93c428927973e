// Reading aids that need a few lines of script (no network, no library).
document.addEventListener("DOMContentLoaded", () => {
  // Tables of the article become stacked cards on a phone (see vanishing.css): each cell is
  // labelled with its column's heading, so a row reads as "Symbol: ..., Meaning: ...".
  for (const table of document.querySelectorAll(".bd-article table")) {
    const heads = Array.from(table.querySelectorAll("thead th"), (th) => th.textContent.trim());
    if (heads.length < 2) continue;
    table.classList.add("vg-stackable");
    for (const row of table.querySelectorAll("tbody tr")) {
      Array.from(row.children).forEach((cell, k) => {
        cell.dataset.label = heads[k] || "";
      });
    }
  }
});

// A figure wider than its column (on a phone: each keeps the width at which its text is legible,
// see vanishing.css) scrolls sideways; a shadow at each edge that still hides part of it says so.
document.addEventListener("DOMContentLoaded", () => {
  for (const frame of document.querySelectorAll(".vg-figure-frame")) {
    const box = frame.querySelector(".vg-figure-scroll");
    if (!box) continue;
    const update = () => {
      const hidden = box.scrollWidth - box.clientWidth;
      frame.classList.toggle("vg-more-left", hidden > 1 && box.scrollLeft > 1);
      frame.classList.toggle("vg-more-right", hidden > 1 && box.scrollLeft < hidden - 1);
    };
    box.addEventListener("scroll", update, { passive: true });
    const watcher = new ResizeObserver(update);
    watcher.observe(box);
    for (const child of box.children) watcher.observe(child);
    update();
  }
});

// A figure opens full size: on a phone a wide figure shows only part of itself at a time (it
// scrolls), and the interactive one is shrunk to the column. A visible "Enlarge" button (and a tap or click on a figure image) shows it in an overlay
// at its natural size or larger, scrollable and pinch-zoomable; Escape, the close button or a click
// outside the figure closes it. An interactive figure (inline SVG and a slider) moves into the
// overlay itself, so it keeps working there, and moves back when the overlay closes.
document.addEventListener("DOMContentLoaded", () => {
  const figures = Array.from(document.querySelectorAll(".bd-article figure")).filter((f) =>
    f.querySelector("img, .vg-interactive svg"),
  );
  if (!figures.length) return;
  const overlay = document.createElement("div");
  overlay.className = "vg-lightbox";
  overlay.hidden = true;
  overlay.setAttribute("role", "dialog");
  overlay.setAttribute("aria-modal", "true");
  overlay.setAttribute("aria-label", "Figure at full size");
  overlay.innerHTML =
    '<div class="vg-lightbox-bar"><span class="vg-lightbox-title"></span>' +
    '<span class="vg-lightbox-hint"></span>' +
    '<button type="button" class="vg-lightbox-close">Close \u00d7</button></div>' +
    '<div class="vg-lightbox-body"><div class="vg-lightbox-live"></div>' +
    '<div class="vg-lightbox-caption"></div></div>';
  document.body.appendChild(overlay);
  // the full-size image joins the page only while the overlay is open (an <img> without a source
  // would be a broken image of the page)
  const big = document.createElement("img");
  const live = overlay.querySelector(".vg-lightbox-live");
  const close = overlay.querySelector(".vg-lightbox-close");
  let opener = null;
  let moved = null; // [interactive element, placeholder] while it is in the overlay
  const hide = () => {
    overlay.hidden = true;
    document.body.classList.remove("vg-lightbox-open");
    big.remove();
    if (moved) {
      moved[1].replaceWith(moved[0]);
      moved = null;
    }
    if (opener) opener.focus();
  };
  // natural size at least; on a wide screen up to twice that, within the window
  const widthFor = (natural) => Math.round(Math.max(natural, Math.min(innerWidth - 32, 2 * natural)));
  const show = (figure, from) => {
    const img = figure.querySelector("img");
    const interactive = img ? null : figure.querySelector(".vg-interactive");
    const caption = figure.querySelector("figcaption");
    let width;
    if (img) {
      live.before(big);
      live.hidden = true;
      big.src = img.currentSrc || img.src;
      big.alt = img.alt;
      width = widthFor(img.naturalWidth || img.getBoundingClientRect().width);
      big.style.width = `${width}px`;
    } else {
      big.remove();
      live.hidden = false;
      const placeholder = document.createElement("div");
      placeholder.style.height = `${interactive.getBoundingClientRect().height}px`;
      interactive.replaceWith(placeholder);
      live.replaceChildren(interactive);
      moved = [interactive, placeholder];
      width = widthFor(interactive.querySelector("svg").viewBox.baseVal.width);
      live.style.width = `${width}px`;
    }
    const number = caption && caption.querySelector(".caption-number");
    overlay.querySelector(".vg-lightbox-title").textContent = number
      ? number.textContent.trim()
      : "Figure";
    overlay.querySelector(".vg-lightbox-caption").innerHTML = caption ? caption.innerHTML : "";
    overlay.querySelector(".vg-lightbox-hint").textContent =
      width > innerWidth - 24 ? "Scroll or pinch to see all of it" : "";
    opener = from;
    overlay.hidden = false;
    document.body.classList.add("vg-lightbox-open");
    overlay.querySelector(".vg-lightbox-body").scrollTo(0, 0);
    close.focus();
  };
  close.addEventListener("click", hide);
  overlay.addEventListener("click", (e) => {
    if (e.target === overlay) hide();
  });
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && !overlay.hidden) hide();
  });
  for (const figure of figures) {
    const img = figure.querySelector("img");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "vg-enlarge";
    button.textContent = "Enlarge";
    button.setAttribute("aria-label", "Enlarge the figure");
    button.addEventListener("click", () => show(figure, button));
    if (img) {
      img.classList.add("vg-zoomable");
      img.addEventListener("click", () => show(figure, button));
    }
    figure.classList.add("vg-has-enlarge");
    figure.insertBefore(button, figure.firstChild);
  }
});

// Hover previews: pointing at (or tabbing to) a reference to a figure, an equation, an exercise,
// a theorem, an algorithm or a table shows that target in a small box, without leaving the
// paragraph. Targets on this page are copied as they are (typeset); a target on another page comes
// from the index the build writes (_static/vg-previews.js, a script: it loads from disk, where a
// page cannot fetch its neighbours), else, over http, from the fetched page.
document.addEventListener("DOMContentLoaded", () => {
  const KINDS = "figure, div.math, div.admonition, div.proof, table";
  const tip = document.createElement("div");
  tip.className = "vg-preview";
  tip.id = "vg-preview";
  tip.setAttribute("role", "tooltip");
  tip.hidden = true;
  document.body.appendChild(tip);
  const pages = new Map();
  let current = null;
  let hideTimer = null;

  const fetched = (url) => {
    if (!pages.has(url)) {
      const page = location.protocol.startsWith("http")
        ? fetch(url)
            .then((r) => (r.ok ? r.text() : null))
            .then((t) => (t ? new DOMParser().parseFromString(t, "text/html") : null))
            .catch(() => null)
        : Promise.resolve(null);
      pages.set(url, page);
    }
    return pages.get(url);
  };
  // the HTML root, which the index's keys ("book/ch02_unrolled_rnn.html#id") are relative to
  const root = new URL(document.documentElement.dataset.content_root || "./", location.href).href;
  const indexed = (url, id) => {
    const page = url.href.split("#")[0];
    const html = page.startsWith(root) && window.VG_PREVIEWS
      ? window.VG_PREVIEWS[`${page.slice(root.length)}#${id}`]
      : undefined;
    if (!html) return null;
    const template = document.createElement("template");
    template.innerHTML = html;
    const found = template.content.firstElementChild;
    // its images and links are relative to its own page
    for (const [attr, sel] of [["src", "[src]"], ["href", "[href]"]]) {
      for (const e of [found, ...found.querySelectorAll(sel)]) {
        const value = e.getAttribute(attr);
        if (value !== null) e.setAttribute(attr, new URL(value, page).href);
      }
    }
    return found;
  };
  const target = async (link) => {
    const url = new URL(link.href, location.href);
    const id = decodeURIComponent(url.hash.slice(1));
    if (!id) return null;
    const here = url.pathname === location.pathname;
    const known = here ? null : indexed(url, id);
    if (known) return known.matches(KINDS) ? [known, false] : null;
    const doc = here ? document : await fetched(url.href.split("#")[0]);
    const found = doc && doc.getElementById(id);
    return found && found.matches(KINDS) ? [found, here] : null;
  };
  const preview = (found) => {
    const copy = found.cloneNode(true);
    copy.removeAttribute("id");
    copy.querySelectorAll("[id]").forEach((e) => e.removeAttribute("id"));
    copy.querySelectorAll(".vg-enlarge, a.headerlink, details.toggle-details, button.toggle-button")
      .forEach((e) => e.remove());
    copy.querySelectorAll(".vg-figure-frame")
      .forEach((e) => e.classList.remove("vg-more-left", "vg-more-right"));
    if (copy.matches("div.admonition")) {
      // an exercise or box: its title and the first two paragraphs
      const keep = Array.from(copy.children).filter((c) => !c.matches(".admonition-title"));
      keep.slice(2).forEach((e) => e.remove());
      copy.classList.remove("dropdown", "toggle", "toggle-hidden");
    }
    return copy;
  };
  const place = (link) => {
    const r = link.getBoundingClientRect();
    tip.style.left = "0px";
    tip.style.top = "0px";
    const w = tip.offsetWidth, h = tip.offsetHeight;
    const left = Math.max(8, Math.min(r.left + scrollX, scrollX + innerWidth - w - 8));
    const below = r.bottom + 8 + h < innerHeight;
    const top = below ? r.bottom + scrollY + 6 : r.top + scrollY - h - 6;
    tip.style.left = `${left}px`;
    tip.style.top = `${Math.max(scrollY + 4, top)}px`;
  };
  const show = async (link) => {
    clearTimeout(hideTimer);
    current = link;
    const hit = await target(link);
    if (current !== link || !hit) return;
    const [found, here] = hit;
    tip.replaceChildren(preview(found));
    tip.hidden = false;
    link.setAttribute("aria-describedby", tip.id);
    if (!here && window.MathJax && MathJax.typesetPromise) await MathJax.typesetPromise([tip]);
    place(link);
  };
  const hide = () => {
    hideTimer = setTimeout(() => {
      tip.hidden = true;
      if (current) current.removeAttribute("aria-describedby");
      current = null;
    }, 150);
  };
  for (const link of document.querySelectorAll('.bd-article a.reference.internal[href*="#"]')) {
    link.addEventListener("mouseenter", () => show(link));
    link.addEventListener("focus", () => show(link));
    link.addEventListener("mouseleave", hide);
    link.addEventListener("blur", hide);
  }
  tip.addEventListener("mouseenter", () => clearTimeout(hideTimer));
  tip.addEventListener("mouseleave", hide);
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape") tip.hidden = true;
  });
});
