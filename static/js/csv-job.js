// A background import or export's page (dialogue/csv/job_admin.py): asks every
// second how far the job got and moves the bar; when the job's status changes,
// fetches the page again and puts its new part in place, without a reload.
(function () {
  "use strict";

  function box() {
    return document.getElementById("csv-job");
  }

  async function swap() {
    const response = await fetch(window.location.href, { credentials: "same-origin" });
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = page.getElementById("csv-job");
    if (fresh) {
      box().replaceWith(document.adoptNode(fresh));
    }
  }

  async function poll() {
    const current = box();
    if (!current || current.hasAttribute("data-finished")) {
      return;
    }
    try {
      const response = await fetch(current.dataset.statusUrl, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      const job = await response.json();
      if (job.status !== current.dataset.status) {
        await swap();
      } else {
        const bar = current.querySelector("progress");
        if (bar && job.rows_total !== null) {
          bar.max = job.rows_total;
          bar.value = job.rows_done;
          bar.textContent = job.text;
        }
        const count = current.querySelector(".csv-job-count");
        if (count) {
          count.textContent = job.text;
        }
      }
    } catch (error) {
      // The server is restarting, or the network is down: ask again later.
    }
    window.setTimeout(poll, 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    window.setTimeout(poll, 1000);
  });
})();
