export * from 'tsgitop-emitter';
