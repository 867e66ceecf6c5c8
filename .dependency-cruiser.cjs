// Layer rules for src/ and web/ (docs/ARCHITECTURE.md draws them). Run: npm run lint:deps
// Lower layers never import higher ones:
//   runtime < kernels < graph < model < app < cli/web;  util, pipeline, metrics beside them as below.
// The model reaches the kernels only through graph ops (model-no-kernels).
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles anywhere in src/ or web/.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'runtime-is-the-bottom',
      severity: 'error',
      comment: 'src/runtime (device, buffer pool, plain GPU tensor) imports nothing above it.',
      from: { path: '^src/runtime/' },
      to: { path: '^src/(kernels|graph|model|app|cli|pipeline|metrics|checks|reference|platform)/' },
    },
    {
      name: 'kernels-below-autograd',
      severity: 'error',
      comment: 'src/kernels builds only on src/runtime (and src/util): no autograd, model, app or CLI.',
      from: { path: '^src/kernels/' },
      to: { path: '^src/(graph|model|app|cli|pipeline|metrics)/' },
    },
    {
      name: 'graph-below-model',
      severity: 'error',
      comment: 'src/graph (autograd, ops, optimizers) does not know the network, the workflows or the CLI.',
      from: { path: '^src/graph/' },
      to: { path: '^src/(model|app|cli|pipeline|metrics)/' },
    },
    {
      name: 'pipeline-no-model',
      severity: 'error',
      comment: 'src/pipeline (data preparation) never imports the model, autograd or GPU layers, nor workflows.',
      from: { path: '^src/pipeline/' },
      to: { path: '^src/(runtime|kernels|graph|model|app|cli|metrics)/' },
    },
    {
      name: 'metrics-no-model',
      severity: 'error',
      comment: 'src/metrics may use GPU kernels and the runtime, never autograd, the model or workflows.',
      from: { path: '^src/metrics/' },
      to: { path: '^src/(graph|model|app|cli)/' },
    },
    {
      name: 'model-no-kernels',
      severity: 'error',
      comment: 'src/model says what the network computes through src/graph ops; which kernels run and what they fuse is decided there (src/graph/blocks.ts), never in the model.',
      from: { path: '^src/model/' },
      to: { path: '^src/kernels/' },
    },
    {
      name: 'model-no-app',
      severity: 'error',
      comment: 'src/model (U-Net, training loop, checkpoints, inference) never imports workflows or the CLI.',
      from: { path: '^src/model/' },
      to: { path: '^src/(app|cli)/' },
    },
    {
      name: 'app-no-cli',
      severity: 'error',
      comment: 'src/app workflows are shared by the CLI and the web app: they import neither.',
      from: { path: '^src/app/' },
      to: { path: '^(src/cli|web)/' },
    },
    {
      name: 'util-is-a-leaf',
      severity: 'error',
      comment: 'src/util (seeded Rng) imports nothing of the project.',
      from: { path: '^src/util/' },
      to: { path: '^(src|web)/', pathNot: '^src/util/' },
    },
    {
      name: 'src-no-tests-or-bench',
      severity: 'error',
      comment: 'Production code never imports tests, benchmarks or scripts. Exceptions: the `bench` CLI verb loads bench/ by a dynamic import, and the web app\'s Benchmark tab (web/src/tabs/bench*.ts) runs the host-neutral benchmark cores (bench/*-core.ts, report, schema, tfjs types and model) so the page and the CLI time the same code.',
      from: { path: '^(src|web)/', pathNot: '^(src/cli/bench\\.ts|web/src/tabs/bench[^/]*\\.ts)$' },
      to: { path: '^(test|bench|scripts)/' },
    },
    {
      name: 'web-bench-only-cores',
      severity: 'error',
      comment: 'The Benchmark tab reaches only the host-neutral parts of bench/ (no node: imports there).',
      from: { path: '^web/src/tabs/bench[^/]*\\.ts$' },
      to: { path: '^(test|scripts)/|^bench/(?!(train-core|kernels-core|predict-peers-core|report|schema|stats|tfjs-types|unet-tfjs|unet-jaxjs|jaxjs-check|onnx-export|ort-check|ort-types)\\.ts$)' },
    },
    {
      name: 'peers-only-in-bench',
      severity: 'error',
      comment: 'The benchmark peers (tfjs, jax-js, onnxruntime-web and the ONNX exporter\'s onnx-proto) are never part of the product: only bench/ and the Benchmark tab\'s lazily loaded chunks (web/src/tabs/bench*.ts) import them.',
      from: { path: '^(src|web)/', pathNot: '^web/src/tabs/bench[^/]*\\.ts$' },
      to: { path: 'node_modules/(@tensorflow|@jax-js|onnxruntime-web|onnxruntime-node|onnx-proto)/' },
    },
    {
      name: 'reference-only-for-checks',
      severity: 'error',
      comment: 'src/reference holds float64 test oracles: only src/checks (and test/, bench/, scripts/) import them.',
      from: { path: '^(src|web)/', pathNot: '^src/(checks|reference)/' },
      to: { path: '^src/reference/' },
    },
    {
      name: 'web-not-below-app',
      comment: 'the page reaches the engine through src/app and src/model (and src/runtime to start the device), never the kernels or the autograd graph directly',
      severity: 'error',
      from: { path: '^web/' },
      to: { path: '^src/(kernels|graph)/' },
    },
    {
      name: 'web-via-app',
      severity: 'error',
      comment: 'The web app uses workflows and the layers below, never the CLI.',
      from: { path: '^web/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'deploy-holds-no-code',
      severity: 'error',
      comment: 'deploy/ holds job files for Slurm and Kubernetes (docs/COHORTS.md), not modules: nothing imports from it.',
      from: {},
      to: { path: '^deploy/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'Every import resolves (a typo or a moved file fails here, not at run time).',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // node_modules are not followed but stay visible as targets, so peers-only-in-bench can see an import of a peer
    exclude: { path: '\\.d\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      extensions: ['.ts', '.js', '.mjs', '.json'],
      conditionNames: ['import', 'require', 'node', 'default'],
      exportsFields: ['exports'],
      mainFields: ['module', 'main', 'types'],
    },
    // `npm run docs:layers` draws one box per folder (docs/layers.svg), importers above what they import
    reporterOptions: {
      dot: { collapsePattern: '^(src/[^/]+|web)/', theme: { graph: { rankdir: 'TB', splines: 'true' } } },
    },
  },
};
