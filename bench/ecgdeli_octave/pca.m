function [coeff, score, latent] = pca(x, varargin)
  % Principal components of the rows of X (columns centred; SVD), MATLAB's sign convention
  % (largest-magnitude coefficient of each component positive); option 'NumComponents'.
  nc = min(size(x));
  for i = 1:2:numel(varargin)
    if strcmpi(varargin{i}, 'NumComponents'), nc = varargin{i + 1}; end
  end
  xc = x - mean(x, 1);
  [~, s, v] = svd(xc, 'econ');
  [~, idx] = max(abs(v), [], 1);
  sgn = sign(v(sub2ind(size(v), idx, 1:size(v, 2))));
  sgn(sgn == 0) = 1;
  v = v .* sgn;
  coeff = v(:, 1:nc);
  score = xc * coeff;
  latent = diag(s) .^ 2 / max(size(x, 1) - 1, 1);
  latent = latent(1:nc);
end
