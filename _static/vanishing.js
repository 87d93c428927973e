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
