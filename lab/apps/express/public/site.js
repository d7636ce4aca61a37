document.documentElement.dataset.js = "loaded";
