// Copy buttons: <button data-copy="ID" hidden> copies the value of the
// input with that id. They stay hidden without JavaScript, where the input
// is selected and copied by hand.
(function () {
  "use strict";
  document.querySelectorAll("[data-copy]").forEach(function (b) {
    b.hidden = false;
    b.addEventListener("click", function () {
      var input = document.getElementById(b.getAttribute("data-copy"));
      if (!input) {
        return;
      }
      input.select();
      var done = function () { b.textContent = "Copied"; };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(done, function () { document.execCommand("copy"); done(); });
      } else {
        document.execCommand("copy");
        done();
      }
    });
  });
})();
