import { isForbiddenAddress, urlProblem } from './webhook-url';

describe('webhook URLs', () => {
  const production = { allowHttp: false, allowedHosts: new Set<string>() };

  it('takes https URLs to ordinary hosts', () => {
    expect(urlProblem('https://hooks.example.com/broker', production)).toBeNull();
    expect(urlProblem('https://203.0.113.7:8443/x', production)).toBeNull();
  });

  it.each([
    ['not a URL', 'url must be an absolute URL'],
    ['ftp://hooks.example.com/', 'url must be https'],
    ['http://hooks.example.com/', 'url must be https (http only with WEBHOOK_ALLOW_HTTP=true)'],
    ['https://user:pw@hooks.example.com/', 'url must not hold a user name or password'],
    ['https://127.0.0.1/', 'url must not reach a loopback or link-local address (127.0.0.1) unless WEBHOOK_ALLOWED_HOSTS names it'],
    ['https://localhost:8443/', 'url must not reach a loopback or link-local address (localhost) unless WEBHOOK_ALLOWED_HOSTS names it'],
    ['https://169.254.169.254/latest', 'url must not reach a loopback or link-local address (169.254.169.254) unless WEBHOOK_ALLOWED_HOSTS names it'],
    ['https://[::1]/', 'url must not reach a loopback or link-local address (::1) unless WEBHOOK_ALLOWED_HOSTS names it'],
  ])('refuses %s', (url, problem) => {
    expect(urlProblem(url, production)).toBe(problem);
  });

  it('takes http and a loopback host when configured to', () => {
    expect(urlProblem('http://127.0.0.1:9000/', { allowHttp: true, allowedHosts: new Set(['127.0.0.1']) })).toBeNull();
  });

  it('judges resolved addresses, IPv4-mapped ones as IPv4', () => {
    expect(['127.0.0.1', '::ffff:127.0.0.1', '169.254.1.1', 'fe80::1', '::1', '0.0.0.0'].filter(isForbiddenAddress)).toHaveLength(6);
    expect(['203.0.113.7', '10.0.0.1', '2001:db8::1'].filter(isForbiddenAddress)).toHaveLength(0);
  });
});
