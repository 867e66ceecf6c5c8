// wgsl_reflect's "main" is a CommonJS build in a "type": "module" package, so we import its ES module
// file directly; its types are the package's own.
declare module 'wgsl_reflect/wgsl_reflect.module.js' {
  export * from 'wgsl_reflect';
}
