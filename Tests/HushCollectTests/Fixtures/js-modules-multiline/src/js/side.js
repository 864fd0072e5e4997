window.a = 1;
