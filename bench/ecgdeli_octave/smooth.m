function y = smooth(x, span)
  % Centred moving average with MATLAB's smooth() edge handling (shrinking odd spans at the ends).
  if nargin < 2, span = 5; end
  span = floor(span); if mod(span, 2) == 0, span = span - 1; end
  x = x(:); n = numel(x); y = zeros(n, 1); h = (span - 1) / 2;
  for i = 1:n
    k = min([h, i - 1, n - i]);
    y(i) = mean(x(i - k:i + k));
  end
end
