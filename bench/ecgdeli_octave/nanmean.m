function m = nanmean(x, dim)
  % Mean ignoring NaN (MATLAB Statistics Toolbox semantics).
  if nargin < 2
    dim = find(size(x) ~= 1, 1);
    if isempty(dim), dim = 1; end
  end
  mask = ~isnan(x);
  x(~mask) = 0;
  m = sum(x, dim) ./ sum(mask, dim);
end
