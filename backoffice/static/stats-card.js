/*
 * Thẻ "Tình hình giải quyết hồ sơ" cho trang của xã. Nhúng:
 *   <div id="dvc-stats-card" data-api="/api/statistics"></div>
 *   <script src="/static/backoffice/stats-card.js" defer></script>
 * No dependencies. Data is only ever written with textContent, never as HTML.
 */
(function () {
  "use strict";

  var STYLE_ID = "dvc-stats-style";
  var TABLE_MONTHS = 6;
  var CSS = [
    ".dvc-stats-card{box-sizing:border-box;max-width:40rem;margin:1rem 0;padding:1rem;border:1px solid #d0d7de;",
    "border-radius:8px;background:#fff;color:#1f2328;font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,",
    "Arial,sans-serif}",
    ".dvc-stats-card *{box-sizing:border-box}",
    ".dvc-stats-title{margin:0 0 .25rem;font-size:1.15rem;font-weight:700;color:#a3161a}",
    ".dvc-stats-updated{margin:0 0 .75rem;font-size:.85rem;color:#57606a}",
    ".dvc-stats-section{margin:.75rem 0 .25rem;font-size:1rem;font-weight:600}",
    ".dvc-stats-figures{display:grid;grid-template-columns:repeat(auto-fit,minmax(8.5rem,1fr));gap:.5rem;margin:0}",
    ".dvc-stats-figure{margin:0;padding:.5rem .6rem;border-radius:6px;background:#f6f8fa}",
    ".dvc-stats-figure dt{font-size:.85rem;color:#57606a}",
    ".dvc-stats-figure dd{margin:0;font-size:1.35rem;font-weight:700}",
    ".dvc-stats-late dd{color:#a3161a}",
    ".dvc-stats-ontime dd{color:#1a7f37}",
    ".dvc-stats-note{margin:.4rem 0 0;font-size:.9rem;color:#57606a}",
    ".dvc-stats-scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;margin-top:.75rem}",
    ".dvc-stats-table{width:100%;border-collapse:collapse;font-size:.9rem}",
    ".dvc-stats-table caption{text-align:left;font-weight:600;padding:0 0 .35rem}",
    ".dvc-stats-table th,.dvc-stats-table td{padding:.35rem .5rem;border-bottom:1px solid #d0d7de;",
    "text-align:right;white-space:nowrap}",
    ".dvc-stats-table th[scope=row],.dvc-stats-table thead th:first-child{text-align:left}",
    ".dvc-stats-table thead th{font-weight:600;background:#f6f8fa;white-space:normal;vertical-align:bottom}",
    ".dvc-stats-message{margin:0;color:#57606a}",
    "@media (max-width:30rem){.dvc-stats-card{padding:.75rem}.dvc-stats-figure dd{font-size:1.15rem}",
    ".dvc-stats-table{font-size:.85rem}.dvc-stats-table th,.dvc-stats-table td{padding:.3rem .3rem}}",
  ].join("");

  function injectStyles() {
    if (document.getElementById(STYLE_ID)) return;
    var style = document.createElement("style");
    style.id = STYLE_ID;
    style.textContent = CSS;
    (document.head || document.documentElement).appendChild(style);
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function count(value) {
    var number = Math.max(0, Math.floor(Number(value) || 0));
    return String(number).replace(/\B(?=(\d{3})+(?!\d))/g, ".");
  }

  function rate(value) {
    var text = (Math.round((Number(value) || 0) * 10) / 10).toFixed(1);
    if (text.slice(-2) === ".0") text = text.slice(0, -2);
    return text.replace(".", ",") + "%";
  }

  // Percent late, rounded half up to one decimal with integer arithmetic (as the server does).
  function lateRate(late, processed) {
    if (!processed) return 0;
    return Math.floor((2000 * late + processed) / (2 * processed)) / 10;
  }

  function monthLabel(month) {
    var parts = String(month).split("-");
    return parts.length === 2 ? Number(parts[1]) + "/" + parts[0] : String(month);
  }

  function updatedLabel(iso) {
    var moment = new Date(iso);
    if (isNaN(moment.getTime())) return "";
    try {
      return moment.toLocaleString("vi-VN", {
        timeZone: "Asia/Ho_Chi_Minh",
        hour: "2-digit",
        minute: "2-digit",
        day: "2-digit",
        month: "2-digit",
        year: "numeric",
      });
    } catch (error) {
      return String(iso).slice(0, 16).replace("T", " ");
    }
  }

  function figureList(figures) {
    var list = element("dl", "dvc-stats-figures");
    [
      ["Đã giải quyết", count(figures.processed), ""],
      ["Đúng hạn", count(figures.on_time), " dvc-stats-ontime"],
      ["Trễ hạn", count(figures.late), " dvc-stats-late"],
      ["Tỉ lệ trễ hạn", figures.processed ? rate(figures.late_rate) : "—", " dvc-stats-late"],
    ].forEach(function (item) {
      var group = element("div", "dvc-stats-figure" + item[2]);
      group.appendChild(element("dt", "", item[0]));
      group.appendChild(element("dd", "", item[1]));
      list.appendChild(group);
    });
    return list;
  }

  // Totals of the current calendar year when the data reaches back to January, else of the whole range.
  function yearFigures(data, current) {
    var year = String(current.month).slice(0, 4);
    var months = data.months.filter(function (figures) {
      return String(figures.month).slice(0, 4) === year;
    });
    if (!months.length || Number(String(months[0].month).slice(5, 7)) !== 1) {
      return { label: data.months.length + " tháng gần nhất", figures: data.totals };
    }
    var sum = { processed: 0, on_time: 0, late: 0 };
    months.forEach(function (figures) {
      sum.processed += Number(figures.processed) || 0;
      sum.on_time += Number(figures.on_time) || 0;
      sum.late += Number(figures.late) || 0;
    });
    sum.late_rate = lateRate(sum.late, sum.processed);
    return { label: "Năm " + year + " (đến nay)", figures: sum };
  }

  function monthTable(months) {
    var wrapper = element("div", "dvc-stats-scroll");
    var table = element("table", "dvc-stats-table");
    table.appendChild(element("caption", "", "Số liệu " + months.length + " tháng gần nhất"));
    var head = element("thead");
    var headRow = element("tr");
    ["Tháng", "Đã giải quyết", "Đúng hạn", "Trễ hạn", "Tỉ lệ trễ hạn"].forEach(function (title) {
      var cell = element("th", "", title);
      cell.scope = "col";
      headRow.appendChild(cell);
    });
    head.appendChild(headRow);
    table.appendChild(head);
    var body = element("tbody");
    months.forEach(function (figures) {
      var row = element("tr");
      var monthCell = element("th", "", monthLabel(figures.month));
      monthCell.scope = "row";
      row.appendChild(monthCell);
      [
        count(figures.processed),
        count(figures.on_time),
        count(figures.late),
        figures.processed ? rate(figures.late_rate) : "—",
      ].forEach(function (value) {
        row.appendChild(element("td", "", value));
      });
      body.appendChild(row);
    });
    table.appendChild(body);
    wrapper.appendChild(table);
    return wrapper;
  }

  function clear(card) {
    while (card.firstChild) card.removeChild(card.firstChild);
  }

  function showMessage(card, text) {
    clear(card);
    card.appendChild(element("p", "dvc-stats-message", text));
  }

  function render(card, data) {
    if (!data || !data.totals || !data.months || !data.months.length) throw new Error("bad statistics");
    var current = data.months[data.months.length - 1];
    clear(card);
    var title = element("h2", "dvc-stats-title", "Tình hình giải quyết hồ sơ");
    title.id = (card.id || "dvc-stats-card") + "-title";
    card.setAttribute("aria-labelledby", title.id);
    card.appendChild(title);
    var updated = updatedLabel(data.generated_at);
    var subtitle = (data.commune ? data.commune + " · " : "") + (updated ? "Cập nhật lúc " + updated : "");
    if (subtitle) card.appendChild(element("p", "dvc-stats-updated", subtitle));

    card.appendChild(element("h3", "dvc-stats-section", "Tháng " + monthLabel(current.month) + " (đến nay)"));
    card.appendChild(figureList(current));
    var backlog = "Đang giải quyết: " + count(current.in_progress) + " hồ sơ";
    if (Number(current.overdue_in_progress) > 0) {
      backlog += ", trong đó " + count(current.overdue_in_progress) + " hồ sơ đã quá hạn";
    }
    card.appendChild(element("p", "dvc-stats-note", backlog + "."));

    var year = yearFigures(data, current);
    card.appendChild(element("h3", "dvc-stats-section", year.label));
    card.appendChild(figureList(year.figures));

    card.appendChild(monthTable(data.months.slice(-TABLE_MONTHS).reverse()));
  }

  function load(card) {
    if (card.getAttribute("data-dvc-stats-loaded")) return;
    card.setAttribute("data-dvc-stats-loaded", "1");
    injectStyles();
    card.classList.add("dvc-stats-card");
    if (!card.getAttribute("role")) card.setAttribute("role", "region");
    card.setAttribute("aria-live", "polite");
    card.setAttribute("aria-busy", "true");
    showMessage(card, "Đang tải số liệu thống kê…");
    var url = card.getAttribute("data-api") || "/api/statistics";
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        render(card, data);
      })
      .catch(function () {
        showMessage(card, "Chưa tải được số liệu thống kê.");
      })
      .then(function () {
        card.setAttribute("aria-busy", "false");
      });
  }

  function start() {
    var cards = document.querySelectorAll("#dvc-stats-card, [data-dvc-stats-card]");
    for (var index = 0; index < cards.length; index++) load(cards[index]);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
