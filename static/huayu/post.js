/* One item's save, as the checklist and the on-site page send it: POST the form data with the
 * CSRF token and answer the JSON. A redirect (to the login page) or a page that is not JSON
 * rejects with {login: true} when the session is gone or the request was refused. */
(function () {
  "use strict";
  window.huayuPost = function (url, body, token) {
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: {"X-CSRFToken": token ? token.value : "", "X-Requested-With": "XMLHttpRequest"}
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (response.redirected || type.indexOf("application/json") === -1) {
        throw {login: response.redirected || response.status === 403};
      }
      return response.json();
    });
  };
})();
