/** CSS imported for its side effect by the widgets' bundle (esbuild writes it beside the JS). */
declare module '*.css';
