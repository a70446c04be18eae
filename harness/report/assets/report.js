(function () {
  function sortable(table) {
    var head = table.tHead; if (!head) return;
    var ths = head.rows[0].cells;
    Array.prototype.forEach.call(ths, function (th, col) {
      th.addEventListener('click', function () {
        var asc = th.getAttribute('aria-sort') !== 'ascending';
        Array.prototype.forEach.call(ths, function (h) { h.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
        var num = th.dataset.type === 'num';
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        function key(r) {
          var c = r.cells[col]; if (!c) return num ? NaN : '';
          var v = c.dataset.v !== undefined ? c.dataset.v : c.textContent;
          return num ? (v === '' ? NaN : parseFloat(v)) : v.toLowerCase();
        }
        rows.sort(function (a, b) {
          var x = key(a), y = key(b);
          if (num) {
            if (isNaN(x) && isNaN(y)) return 0;
            if (isNaN(x)) return 1;
            if (isNaN(y)) return -1;
            return asc ? x - y : y - x;
          }
          return asc ? x.localeCompare(y) : y.localeCompare(x);
        });
        var frag = document.createDocumentFragment();
        rows.forEach(function (r) { frag.appendChild(r); });
        body.appendChild(frag);
      });
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll('table.sortable'), sortable);
  var table = document.getElementById('jobs-table');
  if (!table) return;
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  var texts = rows.map(function (r) { return r.textContent.toLowerCase(); });
  var filter = document.getElementById('job-filter');
  var status = document.getElementById('job-status');
  var count = document.getElementById('job-count');
  function apply() {
    var terms = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
    var want = status.value, shown = 0;
    rows.forEach(function (r, i) {
      var ok = (!want || r.dataset.status === want) &&
        terms.every(function (t) { return texts[i].indexOf(t) !== -1; });
      r.hidden = !ok;
      if (ok) shown++;
    });
    count.textContent = shown + ' of ' + rows.length + ' jobs';
  }
  filter.addEventListener('input', apply);
  status.addEventListener('change', apply);
  apply();
})();
