console.log("crlf");
//# sourceMappingURL=app.js.map
