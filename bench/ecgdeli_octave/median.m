function m = median(x, dim)
  % MATLAB median: along the first non-singleton dimension (or DIM), NaN when any value
  % is NaN, and NaN for an empty input (Octave 7 errors there, which ECGdeli relies on not doing).
  if nargin < 2
    dim = find(size(x) ~= 1, 1);
    if isempty(dim), dim = 1; end
  end
  if isempty(x)
    m = NaN;
    return;
  end
  if dim == 2, x = x.'; end
  x = sort(x, 1);
  n = size(x, 1);
  if mod(n, 2) == 1
    m = x((n + 1) / 2, :);
  else
    m = (x(n / 2, :) + x(n / 2 + 1, :)) / 2;
  end
  m(any(isnan(x), 1)) = NaN;
  if dim == 2, m = m.'; end
end
