// Worker "b": does nothing. That workerd makes an isolate for it at all is the point.
export default {
  fetch() {
    return new Response('b');
  },
};
