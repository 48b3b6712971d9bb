// Ports for the real servers the tests start (Pushgateway, Prometheus, Alertmanager): a started
// server must be seen listening on its port itself, or it is started again on another.
export { freePort } from '../../src/bench/backends';
export { listensOn } from '../../src/probes/listening';
