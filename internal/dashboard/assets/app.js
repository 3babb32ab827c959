// Changing the office applies it at once; everything else works without
// this script (the form has a Show button).
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var office = document.getElementById("office");
  if (office) {
    office.addEventListener("change", function () { office.form.submit(); });
  }
});
