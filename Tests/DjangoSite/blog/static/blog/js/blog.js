document.documentElement.dataset.blog = "loaded";
//# sourceMappingURL=blog.js.map
