// Request form: show the training module and service fields only for the categories that use
// them (data-show-for lists those categories). Without JavaScript every field stays visible
// and the server still checks what each category needs.
(function () {
  "use strict";
  var category = document.querySelector("select[name='category']");
  if (!category) {
    return;
  }
  var blocks = document.querySelectorAll("[data-show-for]");
  function update() {
    blocks.forEach(function (block) {
      var categories = block.getAttribute("data-show-for").split(" ");
      block.hidden = categories.indexOf(category.value) === -1;
    });
  }
  category.addEventListener("change", update);
  update();
})();
