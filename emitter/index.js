// tsgitop/emitter: the stats emitter, from its own zero-dependency package (packages/emitter).
export * from 'tsgitop-emitter';
