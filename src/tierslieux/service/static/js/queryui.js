/* The query page: YASGUI on the service's own /sparql endpoint, with the named queries one click away.
   Configuration comes from the JSON block #query-page-config written by the server (no inline script). */
(function () {
  "use strict";

  var configElement = document.getElementById("query-page-config");
  var config = JSON.parse(configElement.textContent);
  var endpoint = new URL(config.endpoint, window.location.href).toString();
  var queries = config.namedQueries || [];

  // Results open in YASR's "simple view": plain values (La Coroutine, 161), not typed literals ("161"^^xsd:integer).
  // A tab's own settings (the checkbox) win; a new tab starts from these defaults.
  var yasrDefaults = Yasgui.Yasr.defaults;
  yasrDefaults.plugins = yasrDefaults.plugins || {};
  yasrDefaults.plugins.table = yasrDefaults.plugins.table || {};
  yasrDefaults.plugins.table.dynamicConfig = Object.assign({ compact: true }, yasrDefaults.plugins.table.dynamicConfig);

  var yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    endpointCatalogueOptions: {
      getData: function () { return [{ endpoint: endpoint }]; },
    },
    persistenceId: "tierslieux-query-page",
    populateFromUrl: true,
    // Only the autocompleters that work offline: the class and property ones ask an outside service.
    yasqe: { value: config.defaultQuery, autocompleters: ["prefixes", "variables"] },
  });

  // The service is the only endpoint this page talks to, also for tabs restored from an older visit.
  Object.keys(yasgui._tabs || {}).forEach(function (id) {
    var tab = yasgui.getTab(id);
    if (tab && tab.getEndpoint() !== endpoint) { tab.setEndpoint(endpoint); }
  });

  /** Open a named query in a tab of its own (or select the tab already holding it). */
  function openNamedQuery(query) {
    var tab = yasgui.addTab(true, {
      name: query.title,
      yasqe: { value: query.text },
      requestConfig: { endpoint: endpoint, method: "POST" },
    }, { avoidDuplicateTabs: true });
    return tab;
  }

  var list = document.getElementById("named-query-list");
  if (list) {
    list.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-query-index]");
      if (!button) { return; }
      openNamedQuery(queries[Number(button.getAttribute("data-query-index"))]);
    });
  }

  // For people exploring from the console, and for the browser tests.
  window.tierslieux = { yasgui: yasgui, endpoint: endpoint, namedQueries: queries, openNamedQuery: openNamedQuery };
})();
