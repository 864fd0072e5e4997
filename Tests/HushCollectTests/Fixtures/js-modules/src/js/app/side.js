window.side = true;
