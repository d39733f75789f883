// Script-tag page: the IIFE build defines the one global `SpaAuth`.
window.SpaAuthDemo.run(window.SpaAuth.createAuthClient, 'static');
