function q = quantile(x, p, dim)
  % MATLAB Statistics Toolbox quantile: sorted values at positions n*p + 0.5 with linear
  % interpolation, clamped to the extremes; NaN for an empty input (Octave errors there).
  if nargin < 3
    if isvector(x), x = x(:); end
    dim = 1;
  end
  if isempty(x)
    q = nan(size(p));
    return;
  end
  if dim == 2, x = x.'; end
  x = sort(x, 1);
  n = size(x, 1);
  pos = n * p(:) + 0.5;
  pos = min(max(pos, 1), n);
  lo = floor(pos); hi = ceil(pos); w = pos - lo;
  q = x(lo, :) .* (1 - w) + x(hi, :) .* w;
  if dim == 2, q = q.'; end
  if isvector(q) && numel(p) == 1, q = q(:).'; if size(x, 2) == 1, q = q(1); end, end
end
