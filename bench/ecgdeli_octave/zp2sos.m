function [sos, g] = zp2sos(z, p, k)
  % Zero-pole-gain to second-order sections with every row [b0 b1 b2 1 a1 a2]
  % (first-order sections as [b0 b1 0 1 a1 0], MATLAB's layout; the signal package of
  % Octave 7 shifts them right, which makes filtfilt reject them). With one output the
  % gain is folded into the first section, as in MATLAB.
  z = cplxpair(z(:)); p = cplxpair(p(:));
  nsec = ceil(max(numel(z), numel(p)) / 2);
  z = [z; inf(2 * nsec - numel(z), 1)]; p = [p; inf(2 * nsec - numel(p), 1)];
  sos = zeros(nsec, 6);
  for s = 1:nsec
    zz = z(2 * s - 1:2 * s); zz = zz(isfinite(zz));
    pp = p(2 * s - 1:2 * s); pp = pp(isfinite(pp));
    b = real(poly(zz)); a = real(poly(pp));
    sos(s, 1:3) = [b, zeros(1, 3 - numel(b))];
    sos(s, 4:6) = [a, zeros(1, 3 - numel(a))];
  end
  if nargout < 2
    sos(1, 1:3) = k * sos(1, 1:3);
  else
    g = k;
  end
end
