/* The book's charts (helpers.chapters.vega_render): drawn with the site's own vegaEmbed in the
   page's colour mode, and drawn again when the reader switches mode.

   - Colours: the patches of the current mode (helpers.chapters.chart_theme: every mark keeps 3:1
     contrast with the page, every text mark 4.5:1); background, text, axes and legends in
     the theme's own colours, read from its CSS variables.
   - The chart is one image (role="img", named by its title, described by its text
     description, which a disclosure button shows); vegaEmbed's actions menu is not
     drawn inside it. "Save as SVG" and
     "Save as PNG" are ordinary buttons after the text description, in a group named
     after the chart, so a keyboard and a screen reader reach them.

   window.bookCharts holds each chart's current Vega view, in page order; each chart's
   element says in data-drawn which mode it was last drawn in. */
(function () {
  "use strict";

  var charts = [];
  window.bookCharts = window.bookCharts || [];

  function mode() {
    return document.documentElement.dataset.theme === "dark" ? "dark" : "light";
  }

  function themeColour(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  function pageConfig() {
    var text = themeColour("--pst-color-text-base", "#222832");
    var muted = themeColour("--pst-color-text-muted", "#48566b");
    var grid = themeColour("--pst-color-border", "#d1d5da");
    return {
      background: themeColour("--pst-color-background", "#ffffff"),
      title: { color: text, subtitleColor: muted },
      axis: {
        labelColor: text,
        titleColor: text,
        domainColor: muted,
        tickColor: muted,
        gridColor: grid,
      },
      legend: { labelColor: text, titleColor: text },
      header: { labelColor: text, titleColor: text },
      text: { color: text },
    };
  }

  function merge(base, over) {
    var out = Object.assign({}, base);
    Object.keys(over).forEach(function (key) {
      var a = out[key], b = over[key];
      var bothObjects = a && b && typeof a === "object" && typeof b === "object" &&
        !Array.isArray(a) && !Array.isArray(b);
      out[key] = bothObjects ? merge(a, b) : b;
    });
    return out;
  }

  function themed(spec, patches) {
    var out = JSON.parse(JSON.stringify(spec));
    (patches[mode()] || []).forEach(function (patch) {
      var path = patch[0], node = out;
      for (var i = 0; i < path.length - 1; i++) {
        if (node[path[i]] === undefined) node[path[i]] = {};
        node = node[path[i]];
      }
      node[path[path.length - 1]] = patch[1];
    });
    out.config = merge(out.config || {}, pageConfig());
    return out;
  }

  function fileName(chart) {
    var base = chart.title.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
    return (base || chart.id).slice(0, 80);
  }

  function save(chart, format) {
    var view = window.bookCharts[chart.slot];
    view.toImageURL(format, format === "png" ? 2 : 1).then(function (url) {
      var link = document.createElement("a");
      link.href = url;
      link.download = fileName(chart) + "." + format;
      document.body.appendChild(link);
      link.click();
      link.remove();
    });
  }

  /* The text description: a <details> in the page (it works without JavaScript), made a
     disclosure button and a hidden region here, because Chromium gives no accessible
     description from the inside of a closed <details>, and the chart's aria-describedby
     points into it. The description then reaches a screen reader with the chart, and
     anyone opens it with the button. */
  function disclose(chart) {
    var details = chart.element.parentElement.nextElementSibling;
    if (!details || !details.matches("details.chart-description")) return;
    var summary = details.querySelector("summary");
    var box = document.createElement("div");
    box.className = "chart-description";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "chart-description-toggle";
    button.textContent = summary ? summary.textContent : "Text description";
    button.setAttribute("aria-expanded", "false");
    var region = document.createElement("div");
    region.id = chart.id + "-text";
    region.hidden = true;
    button.setAttribute("aria-controls", region.id);
    Array.from(details.childNodes).forEach(function (node) {
      if (node !== summary) region.appendChild(node);
    });
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") === "true";
      button.setAttribute("aria-expanded", open ? "false" : "true");
      region.hidden = open;
    });
    box.appendChild(button);
    box.appendChild(region);
    details.replaceWith(box);
  }

  function addSaveButtons(chart) {
    var group = document.createElement("div");
    group.className = "chart-actions";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Save the chart " + chart.title);
    ["svg", "png"].forEach(function (format) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "chart-save";
      button.textContent = "Save as " + format.toUpperCase();
      button.addEventListener("click", function () { save(chart, format); });
      group.appendChild(button);
    });
    var frame = chart.element.parentElement;
    var description = frame.nextElementSibling;
    var after = description && description.matches(".chart-description")
      ? description : frame;
    after.insertAdjacentElement("afterend", group);
  }

  /* A frame wider than the page scrolls: then it is a region the keyboard can focus and
     scroll, named after its chart. */
  function fitFrame(chart) {
    var frame = chart.element.parentElement;
    if (!frame || !frame.classList.contains("vega-chart-frame")) return;
    if (frame.scrollWidth > frame.clientWidth + 1) {
      frame.tabIndex = 0;
      frame.setAttribute("role", "region");
      frame.setAttribute("aria-label", chart.title + " (scrolls sideways)");
    } else {
      frame.removeAttribute("tabindex");
      frame.removeAttribute("role");
      frame.removeAttribute("aria-label");
    }
  }

  function draw(chart) {
    chart.mode = mode();
    if (chart.result) chart.result.finalize();
    chart.element.replaceChildren();
    var view = document.createElement("div");
    view.className = "vega-chart-view";
    chart.element.appendChild(view);
    var options = { actions: false, renderer: "canvas", tooltip: { theme: chart.mode } };
    /* An explorable's controls go in their own group before the chart (helpers.chapters.vega_render),
       not inside the image, whose content a screen reader does not enter. */
    var controls = document.getElementById(chart.id + "-controls");
    if (controls) {
      controls.replaceChildren();
      options.bind = controls;
    }
    return vegaEmbed(view, themed(chart.spec, chart.patches), options).then(function (result) {
      chart.result = result;
      // Vega names its container a "graphics-document": the image around it speaks instead
      ["role", "aria-roledescription", "aria-label"].forEach(function (name) {
        view.removeAttribute(name);
      });
      fitFrame(chart);
      chart.element.dataset.drawn = chart.mode;
      if (chart.slot === undefined) {
        chart.slot = window.bookCharts.push(result.view) - 1;
        addSaveButtons(chart);
      } else {
        window.bookCharts[chart.slot] = result.view;
      }
    }).catch(function (err) {
      chart.element.textContent = "Chart failed to render: " + err;
      console.error(err);
    });
  }

  /* Draw the chart whose element has id `id` (an element already in the page). */
  window.drawBookChart = function (id, spec, patches) {
    var element = document.getElementById(id);
    var chart = {
      id: id,
      element: element,
      spec: spec,
      patches: patches,
      title: element.getAttribute("aria-label") || "chart",
    };
    charts.push(chart);
    disclose(chart);
    draw(chart);
  };

  window.addEventListener("resize", function () { charts.forEach(fitFrame); });

  new MutationObserver(function () {
    charts.forEach(function (chart) {
      if (chart.result && chart.mode !== mode()) draw(chart);
    });
  }).observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
})();
